namespace StreamingGreeter.Hub;

/// <summary>One hub instance's view of one room's presence, as it hands it to an <see cref="IRoomPresence"/>.</summary>
public interface IRoomPresenceSource
{
    /// <summary>The room.</summary>
    string Room { get; }

    /// <summary>True once the room has no subscription on this hub instance (or has closed there): it counts for nothing.</summary>
    bool IsEmpty { get; }

    /// <summary>The room's members and subscriptions on this hub instance now. Takes the room's lock briefly; costs one entry per member.</summary>
    RoomPresence GetPresence();
}
