namespace StreamingGreeter.AspNetCore;

/// <summary>Registered by <c>AddStreamingGreeter</c>, so that mapping can tell whether it was called.</summary>
internal sealed class StreamingGreeterMarker;
