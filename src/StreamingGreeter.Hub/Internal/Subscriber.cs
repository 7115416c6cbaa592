using System.Threading.Channels;

namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// A subscription to a <see cref="BroadcastHub"/>: a bounded queue written under the room's gate as the room's log hands
/// it events, and the reader of its <see cref="Events"/>, which yields the replayed events taken at subscribe time and
/// then the live queue. Both were captured under the room's gate in one step, which is what makes the seam free of gaps
/// and duplicates. It is its own reader so that a subscription is one object fewer: a server holds one per stream.
/// </summary>
internal sealed class Subscriber : ChannelReader<RoomEvent>, IRoomSubscription
{
    private readonly BroadcastHub _hub;
    private readonly SubscriberQueue _queue;
    private readonly bool _dropsOldest;
    private RoomEvent[]? _replay;
    private int _nextReplayed;

    private int _ended;

    public Subscriber(BroadcastHub hub, Room room, CallerAccount? caller, int capacity, bool dropsOldest, long maxBufferedBytes)
    {
        _hub = hub;
        RoomState = room;
        Caller = caller;
        _dropsOldest = dropsOldest;
        _queue = new SubscriberQueue(capacity, maxBufferedBytes, dropsOldest ? OnDropped : null);
    }

    /// <summary>The caller the subscription counts against, pinned while it lasts; its membership events are charged to it.</summary>
    public CallerAccount? Caller { get; }

    public Room RoomState { get; }

    /// <summary>The name it joined the room under, once its JOINED is in the log; its LEFT goes out when it ends.</summary>
    public string? Member { get; private set; }

    /// <summary>Who the member is, for the room's presence; empty when not known.</summary>
    public string Identity { get; private set; } = string.Empty;

    /// <summary>When it joined, once it counts among the room's members (see <see cref="InPresence"/>).</summary>
    public DateTimeOffset JoinedTime { get; private set; }

    /// <summary>True while it counts among the room's members on this hub; guarded by the room's gate.</summary>
    public bool InPresence { get; set; }

    /// <summary>Set under the room's gate as it leaves gracefully: its own LEFT is the last event it gets.</summary>
    public bool Leaving { get; set; }

    /// <summary>Index in the room's subscriber array, or -1 once removed; guarded by the room's gate.</summary>
    public int Slot { get; set; } = -1;

    public string Room => RoomState.Name;

    public string Epoch => RoomState.Epoch;

    public long StartSequence { get; private set; }

    /// <summary>Live events below it are skipped: a member starting live begins with its own JOINED.</summary>
    public long FirstLiveSequence { get; private set; }

    public ChannelReader<RoomEvent> Events => _replay is not null ? this : throw new InvalidOperationException("The subscription has not started.");

    public override Task Completion => _queue.Completion;

    /// <summary>Called under the room's gate, as the subscriber is registered.</summary>
    public void Start(RoomEvent[] replay)
    {
        StartSequence = RoomState.LastSequence;
        _replay = replay;
    }

    public override bool TryRead(out RoomEvent item)
    {
        var replay = _replay!;
        if (_nextReplayed < replay.Length)
        {
            item = replay[_nextReplayed++];
            if (_nextReplayed == replay.Length)
            {
                _replay = [];
                _nextReplayed = 0;
            }

            return true;
        }

        while (_queue.TryRead(out item!))
        {
            if (item.Sequence >= FirstLiveSequence)
            {
                return true;
            }
        }

        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _nextReplayed < _replay!.Length ? new ValueTask<bool>(true) : _queue.WaitToReadAsync(cancellationToken);

    /// <summary>
    /// The member's JOINED is in the log at <paramref name="joined"/>. Starting live, it skips what others published
    /// between its registration and its JOINED, so its own JOINED is the first event it sees and it went live just before.
    /// </summary>
    public void Joined(string member, string identity, DateTimeOffset time, long joined, bool startsLive)
    {
        Member = member;
        Identity = identity;
        JoinedTime = time;
        if (startsLive)
        {
            FirstLiveSequence = joined;
            StartSequence = joined - 1;
        }
    }

    /// <summary>
    /// Queues a live event, under the room's gate. False when the subscriber is full under the Disconnect policy, by
    /// count or by bytes. Under DropOldest a full count drops the oldest event; full bytes drop this one, since only
    /// the reader may take from the queue.
    /// </summary>
    public bool TryDeliver(RoomEvent item)
    {
        if (_queue.TryWrite(item, out var bytesFull))
        {
            return true;
        }

        if (bytesFull && _dropsOldest)
        {
            _hub.Dropped();
            return true;
        }

        return false;
    }

    public void Complete(Exception? error = null) => _queue.TryComplete(error);

    /// <summary>The queue dropped its oldest event to take a new one: called inside a publisher's write, under the room's gate.</summary>
    private void OnDropped(RoomEvent item) => _hub.Dropped();

    /// <summary>True for the first caller only: a subscription ends once, however it ends.</summary>
    public bool TryEnd() => Interlocked.Exchange(ref _ended, 1) == 0;

    public ValueTask LeaveAsync(CancellationToken cancellationToken = default) => _hub.UnsubscribeAsync(this, graceful: true, cancellationToken);

    public ValueTask DisposeAsync() => _hub.UnsubscribeAsync(this, graceful: false, CancellationToken.None);
}
