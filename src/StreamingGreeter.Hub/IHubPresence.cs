namespace StreamingGreeter.Hub;

/// <summary>
/// Implemented by a hub that can say who is in a room: the members that joined it (<see cref="SubscribeOptions.Member"/>)
/// and how many subscriptions it has, on every hub instance its log shares the room with.
/// </summary>
public interface IHubPresence
{
    /// <summary>
    /// The room's presence now; <see cref="RoomPresence.Empty"/> for a room nobody is in. Does not create the room.
    /// </summary>
    /// <exception cref="HubUnavailableException">The shared store cannot be reached now.</exception>
    ValueTask<RoomPresence> GetPresenceAsync(string room, CancellationToken cancellationToken = default);
}
