using System.Threading.Channels;

namespace StreamingGreeter.Hub.Internal;

/// <summary>A subscription to the in-memory hub: a bounded channel written by publishers under the room's gate.</summary>
internal sealed class Subscriber : IRoomSubscription
{
    private readonly InMemoryBroadcastHub _hub;
    private readonly Channel<RoomEvent> _channel;
    private SubscriberReader? _reader;
    private int _ended;

    public Subscriber(InMemoryBroadcastHub hub, Room room, string? member, Channel<RoomEvent> channel)
    {
        _hub = hub;
        RoomState = room;
        Member = member;
        _channel = channel;
    }

    public Room RoomState { get; }

    public string? Member { get; }

    /// <summary>Index in the room's subscriber array, or -1 once removed; guarded by the room's gate.</summary>
    public int Slot { get; set; } = -1;

    public string Room => RoomState.Name;

    public string Epoch => RoomState.Epoch;

    public long StartSequence { get; private set; }

    public ChannelReader<RoomEvent> Events => _reader ?? throw new InvalidOperationException("The subscription has not started.");

    /// <summary>Called under the room's gate, as the subscriber is registered.</summary>
    public void Start(RoomEvent[] replay)
    {
        StartSequence = RoomState.LastSequence;
        _reader = new SubscriberReader(replay, _channel.Reader);
    }

    public bool TryDeliver(RoomEvent item) => _channel.Writer.TryWrite(item);

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);

    /// <summary>True for the first caller only: a subscription ends once, however it ends.</summary>
    public bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    public ValueTask LeaveAsync(CancellationToken cancellationToken = default)
    {
        _hub.Unsubscribe(this, graceful: true);
        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        _hub.Unsubscribe(this, graceful: false);
        return ValueTask.CompletedTask;
    }
}
