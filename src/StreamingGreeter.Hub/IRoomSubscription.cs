using System.Threading.Channels;

namespace StreamingGreeter.Hub;

/// <summary>One subscriber's view of a room. Dispose it to unsubscribe.</summary>
public interface IRoomSubscription : IAsyncDisposable
{
    /// <summary>The room subscribed to.</summary>
    string Room { get; }

    /// <summary>The room's epoch when the subscription started.</summary>
    string Epoch { get; }

    /// <summary>
    /// Where the subscription went live in <see cref="Epoch"/>: every event with a greater sequence reaches it (after
    /// the replayed ones, which are at or below it). Resuming elsewhere after it, with <see cref="Epoch"/>, therefore
    /// loses nothing, even before the first event arrived.
    /// </summary>
    long StartSequence { get; }

    /// <summary>
    /// The events, in sequence order: replayed history first, then live events. Reading fails with
    /// <see cref="SubscriberOverflowException"/> when the subscriber fell behind under the
    /// <see cref="SlowSubscriberPolicy.Disconnect"/> policy, after the events buffered before that. It has one reader:
    /// a second <c>WaitToReadAsync</c> while one is pending throws <see cref="InvalidOperationException"/>.
    /// </summary>
    ChannelReader<RoomEvent> Events { get; }

    /// <summary>
    /// Leaves the room gracefully. For a member subscription (<see cref="SubscribeOptions.Member"/>) a
    /// <see cref="RoomEventKind.Left"/> event is published and delivered to this subscriber too, as the last event;
    /// <see cref="Events"/> then completes once everything before it has been read.
    /// </summary>
    ValueTask LeaveAsync(CancellationToken cancellationToken = default);
}
