namespace StreamingGreeter.Hub;

/// <summary>Where a published event landed.</summary>
/// <param name="Sequence">The event's sequence in its room.</param>
/// <param name="Epoch">The room's epoch.</param>
public readonly record struct PublishResult(long Sequence, string Epoch);
