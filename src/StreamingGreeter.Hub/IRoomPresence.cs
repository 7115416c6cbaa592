namespace StreamingGreeter.Hub;

/// <summary>
/// Where rooms' presence is gathered over the hub instances that share an <see cref="IRoomLog"/>: each instance keeps
/// its own members and subscriptions, and tells this when they change; a read adds up every instance's that is alive.
/// A <see cref="BroadcastHub"/> uses the log it is given as this when the log implements it, else it knows its own only.
/// </summary>
/// <remarks>
/// <see cref="Changed"/> is called for every subscription that starts or ends, from whatever thread did it (possibly
/// under the log's own lock, while it hands over events), and never under the hub's locks: an implementation notes it
/// and reads <see cref="IRoomPresenceSource.GetPresence"/> later, coalescing, if it must talk to a store.
/// </remarks>
public interface IRoomPresence
{
    /// <summary>
    /// <paramref name="source"/>'s presence changed; once <see cref="IRoomPresenceSource.IsEmpty"/> it no longer counts.
    /// </summary>
    void Changed(IRoomPresenceSource source);

    /// <summary>The room's presence summed over every hub instance that is alive (<see cref="RoomPresence.Combine"/>).</summary>
    /// <exception cref="HubUnavailableException">The store cannot be reached now.</exception>
    ValueTask<RoomPresence> ReadAsync(string room, CancellationToken cancellationToken = default);
}
