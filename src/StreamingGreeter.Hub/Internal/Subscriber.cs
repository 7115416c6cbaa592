using System.Threading.Channels;

namespace StreamingGreeter.Hub.Internal;

/// <summary>A subscription to the in-memory hub: a bounded channel written by publishers under the room's gate.</summary>
internal sealed class Subscriber : IRoomSubscription
{
    private readonly InMemoryBroadcastHub _hub;
    private readonly Channel<RoomEvent> _channel;
    private readonly long _maxBufferedBytes;
    private readonly bool _dropsOldest;
    private SubscriberReader? _reader;
    private long _bufferedBytes;
    private int _ended;

    public Subscriber(InMemoryBroadcastHub hub, Room room, string? member, CallerAccount? caller, BoundedChannelOptions channel, long maxBufferedBytes)
    {
        _hub = hub;
        RoomState = room;
        Member = member;
        Caller = caller;
        _maxBufferedBytes = maxBufferedBytes;
        _dropsOldest = channel.FullMode == BoundedChannelFullMode.DropOldest;
        _channel = Channel.CreateBounded<RoomEvent>(channel, _dropsOldest ? OnDropped : null);
    }

    /// <summary>The caller the subscription counts against, pinned while it lasts; its membership events are charged to it.</summary>
    public CallerAccount? Caller { get; }

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
        _reader = new SubscriberReader(this, replay, _channel.Reader);
    }

    /// <summary>
    /// Queues a live event, under the room's gate. False when the subscriber is full under the Disconnect policy, by
    /// count or by bytes. Under DropOldest a full count drops the oldest event; full bytes drop this one, since only
    /// the reader may take from the channel.
    /// </summary>
    public bool TryDeliver(RoomEvent item)
    {
        var size = item.Size;
        if (Interlocked.Add(ref _bufferedBytes, size) > _maxBufferedBytes)
        {
            Interlocked.Add(ref _bufferedBytes, -size);
            if (_dropsOldest)
            {
                _hub.Dropped();
                return true;
            }

            return false;
        }

        if (_channel.Writer.TryWrite(item))
        {
            return true;
        }

        Interlocked.Add(ref _bufferedBytes, -size);
        return false;
    }

    /// <summary>A live event left the buffer: read by the subscriber.</summary>
    public void Consumed(RoomEvent item) => Interlocked.Add(ref _bufferedBytes, -item.Size);

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);

    private void OnDropped(RoomEvent item)
    {
        Consumed(item);
        _hub.Dropped();
    }

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
