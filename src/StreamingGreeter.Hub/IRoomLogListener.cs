namespace StreamingGreeter.Hub;

/// <summary>
/// What a hub instance hears from a room's log (see <see cref="IRoomLog.OpenAsync"/>). <see cref="OnAppended"/> calls for
/// one room never overlap and come in sequence order; <see cref="OnLost"/> may come at any time, from any thread. A log
/// calls them from whatever thread appended or read the event, possibly under a lock of its own, so a listener does its
/// work at once and never calls back into the log from them.
/// </summary>
public interface IRoomLogListener
{
    /// <summary>
    /// True while the room has subscribers on this hub instance: a log that expires idle rooms keeps this one.
    /// Read without synchronisation, as a hint.
    /// </summary>
    bool HasSubscribers { get; }

    /// <summary>
    /// An event was appended, here or by another hub instance: the next of the room's sequence. Events at or below the
    /// position the listener has are ignored by it, so a log may hand one over twice.
    /// </summary>
    void OnAppended(RoomEvent item);

    /// <summary>
    /// The room's log can no longer be followed from here (it started a new epoch, lost events this instance has not
    /// seen, or the log became unreachable). The room closes on this instance; its subscriptions end with
    /// <paramref name="error"/>, usually a <see cref="HubUnavailableException"/>, so that clients resume.
    /// </summary>
    void OnLost(Exception error);
}
