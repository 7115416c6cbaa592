namespace StreamingGreeter.Hub;

/// <summary>Who publishes, for the hub's per-caller limits, and which message it is, for deduplication.</summary>
public readonly record struct PublishOptions
{
    /// <summary>
    /// Who the publish counts against (an authenticated identity, an address): the rooms it creates count toward
    /// <see cref="BroadcastHubOptions.MaxRoomsPerCaller"/> and its retained events toward
    /// <see cref="BroadcastHubOptions.MaxRetainedBytesPerCaller"/>. Null: no per-caller limit applies.
    /// </summary>
    public string? Caller { get; init; }

    /// <summary>
    /// The publisher's id of this message, unique within the room. A message whose id the room has seen in the last
    /// <see cref="BroadcastHubOptions.DeduplicationWindow"/> is not published again: the publish returns where the
    /// original landed, with <see cref="PublishResult.Duplicate"/> set, so a publisher can retry without doubling it.
    /// Null or empty: the message is always published.
    /// </summary>
    public string? MessageId { get; init; }
}
