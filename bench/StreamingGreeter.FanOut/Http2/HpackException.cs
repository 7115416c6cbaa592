namespace StreamingGreeter.FanOut.Http2;

/// <summary>A header block this client cannot or will not decode: the run fails rather than guess.</summary>
internal sealed class HpackException(string message) : Exception(message);
