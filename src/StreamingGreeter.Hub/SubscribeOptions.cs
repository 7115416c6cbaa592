namespace StreamingGreeter.Hub;

/// <summary>Where a subscription starts, and whether it joins the room as a member.</summary>
public readonly record struct SubscribeOptions
{
    /// <summary>
    /// Replays retained events after this sequence before going live; 0 without an <see cref="Epoch"/> starts live,
    /// 0 with the room's epoch replays all of it. Ignored, and all retained events are replayed, when
    /// <see cref="Epoch"/> is set and is not the room's epoch.
    /// </summary>
    public long AfterSequence { get; init; }

    /// <summary>The epoch <see cref="AfterSequence"/> belongs to, if known.</summary>
    public string? Epoch { get; init; }

    /// <summary>
    /// When set, the subscription joins the room under this name: a <see cref="RoomEventKind.Joined"/> event is
    /// published as the subscription starts (and is its first live event), and a <see cref="RoomEventKind.Left"/>
    /// event when it ends.
    /// </summary>
    public string? Member { get; init; }

    /// <summary>Who subscribes, for the hub's per-caller limits, as <see cref="PublishOptions.Caller"/>.</summary>
    public string? Caller { get; init; }

    /// <summary>
    /// Who the member is, as the room's presence reports it (<see cref="RoomMember.Identity"/>), e.g. an authenticated
    /// user; ignored without a <see cref="Member"/>. Unlike <see cref="Caller"/> it is shown to whoever asks who is in the room.
    /// </summary>
    public string? Identity { get; init; }
}
