namespace StreamingGreeter.Hub;

/// <summary>
/// Who is subscribed to which room, and how events reach them. Every room has one ordered sequence space,
/// identified by its <see cref="RoomEvent.Epoch"/>; sequences start at 1 and grow by one per event.
/// </summary>
/// <remarks>
/// Implementations never block a publisher on a slow subscriber: each subscriber has its own bounded buffer,
/// and <see cref="BroadcastHubOptions.SlowSubscriberPolicy"/> decides what happens when it fills up.
/// </remarks>
public interface IBroadcastHub
{
    /// <summary>Appends a message to <paramref name="room"/>, creating the room on first use, and delivers it to every subscriber.</summary>
    /// <exception cref="HubLimitExceededException">
    /// A limit refused it: the room does not exist and no more rooms can be created (by anyone, or by this caller), or
    /// retaining the event would exceed a history budget in bytes.
    /// </exception>
    ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to <paramref name="room"/>, creating it on first use. Retained events chosen by
    /// <paramref name="options"/> are replayed first, then live events follow with no gap and no duplicate.
    /// </summary>
    /// <exception cref="HubLimitExceededException">
    /// A limit refused it: the room does not exist and no more rooms can be created (by anyone, or by this caller), or
    /// the room has its maximum number of subscribers.
    /// </exception>
    ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default);
}
