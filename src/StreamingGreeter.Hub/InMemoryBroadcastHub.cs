using System.ComponentModel.DataAnnotations;

namespace StreamingGreeter.Hub;

/// <summary>
/// The embedded, in-process <see cref="IBroadcastHub"/>: a <see cref="BroadcastHub"/> over an <see cref="InMemoryRoomLog"/>,
/// its own or one it shares with other instances. One bounded channel per subscriber, written without waiting by
/// publishers, and a bounded history per room.
/// </summary>
public sealed class InMemoryBroadcastHub : IBroadcastHub, IHubPresence, IDisposable
{
    private readonly BroadcastHub _engine;

    /// <summary>
    /// Creates a hub over <paramref name="log"/>, or over a log of its own when there is none. Instances sharing one log
    /// are like nodes of one backplane: they see one order per room, resume each other's subscribers and see each
    /// other's members.
    /// </summary>
    /// <exception cref="ValidationException">An option is out of range.</exception>
    public InMemoryBroadcastHub(BroadcastHubOptions options, TimeProvider? timeProvider = null, HubMetrics? metrics = null, InMemoryRoomLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Log = log ?? new InMemoryRoomLog(options);
        _engine = new BroadcastHub(options, Log, timeProvider, metrics);
    }

    /// <summary>The log this hub's rooms are sequenced in.</summary>
    public InMemoryRoomLog Log { get; }

    /// <summary>Rooms currently held.</summary>
    public int RoomCount => _engine.RoomCount;

    /// <summary>Subscriptions currently registered in a room.</summary>
    public int SubscriberCount => _engine.SubscriberCount;

    /// <summary>Bytes of history all rooms retain, as <see cref="BroadcastHubOptions.MaxRetainedBytes"/> counts them.</summary>
    public long RetainedBytes => _engine.RetainedBytes;

    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default) =>
        _engine.PublishAsync(room, sender, text, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default) =>
        _engine.SubscribeAsync(room, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<RoomPresence> GetPresenceAsync(string room, CancellationToken cancellationToken = default) =>
        _engine.GetPresenceAsync(room, cancellationToken);

    /// <summary>Stops the idle-room timer and ends every subscription (see <see cref="BroadcastHub.Dispose"/>).</summary>
    public void Dispose() => _engine.Dispose();

    /// <summary>Removes rooms that have had no subscriber for longer than <see cref="BroadcastHubOptions.IdleRoomTimeout"/>.</summary>
    internal void RemoveExpiredRooms() => _engine.RemoveExpiredRooms();
}
