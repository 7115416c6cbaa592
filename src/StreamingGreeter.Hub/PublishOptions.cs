namespace StreamingGreeter.Hub;

/// <summary>Who publishes, for the hub's per-caller limits.</summary>
public readonly record struct PublishOptions
{
    /// <summary>
    /// Who the publish counts against (an authenticated identity, an address): the rooms it creates count toward
    /// <see cref="BroadcastHubOptions.MaxRoomsPerCaller"/> and its retained events toward
    /// <see cref="BroadcastHubOptions.MaxRetainedBytesPerCaller"/>. Null: no per-caller limit applies.
    /// </summary>
    public string? Caller { get; init; }
}
