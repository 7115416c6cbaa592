namespace StreamingGreeter.Hub;

/// <summary>Where a published event landed.</summary>
/// <param name="Sequence">The event's sequence in its room.</param>
/// <param name="Epoch">The room's epoch.</param>
public readonly record struct PublishResult(long Sequence, string Epoch)
{
    /// <summary>
    /// True when <see cref="PublishOptions.MessageId"/> named a message the room already had: nothing was published,
    /// and <see cref="Sequence"/> and <see cref="Epoch"/> are the original's.
    /// </summary>
    public bool Duplicate { get; init; }
}
