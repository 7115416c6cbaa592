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

    // The payload is an option rather than another PublishAsync overload: IBroadcastHub stays as it is for every
    // implementation, the text-only call reads as before, and an app that sends bytes names them where it names the
    // rest of the message (new PublishOptions { Data = json, ContentType = "application/json" }).

    /// <summary>
    /// A binary payload carried beside the text (<see cref="RoomEvent.Data"/>); empty for none. The hub copies it when it
    /// publishes, so the caller's buffer may be reused afterwards. It counts toward the byte budgets.
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>
    /// The MIME type describing <see cref="Data"/>, e.g. <c>application/json</c> (<see cref="RoomEvent.ContentType"/>);
    /// null or empty for unspecified.
    /// </summary>
    public string? ContentType { get; init; }
}
