namespace StreamingGreeter.Hub;

/// <summary>
/// Where rooms' events are sequenced and kept, as one hub instance sees it: in this process
/// (<see cref="InMemoryRoomLog"/>) or in a store several hub instances share, such as Redis. A <see cref="BroadcastHub"/>
/// opens a room's log once for as long as it holds the room, and keeps its subscribers, history and limits itself.
/// </summary>
/// <remarks>
/// Several hub instances may open the same room through one shared log: each gets every event appended by any of them,
/// in the one order of the room's sequence, through its <see cref="IRoomLogListener"/>.
/// </remarks>
public interface IRoomLog
{
    /// <summary>
    /// Opens <paramref name="room"/>'s log, creating the room in a new epoch if the log has none. Events appended from the
    /// returned session's <see cref="IRoomLogSession.LastSequence"/> on, by anyone, reach <paramref name="listener"/> in
    /// sequence order, until the session is disposed or the listener hears <see cref="IRoomLogListener.OnLost"/>.
    /// </summary>
    /// <exception cref="HubUnavailableException">The log cannot be reached now; a retry later may succeed.</exception>
    ValueTask<IRoomLogSession> OpenAsync(string room, IRoomLogListener listener, CancellationToken cancellationToken = default);
}
