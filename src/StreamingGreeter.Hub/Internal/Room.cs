namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// One room of a <see cref="BroadcastHub"/>: its log session, history and subscribers. Every field is guarded by
/// <see cref="Gate"/>; the log hands the room its events in sequence order and fan-out happens under the gate, which
/// gives every subscriber the same order.
/// </summary>
internal sealed class Room : IRoomLogListener, IRoomPresenceSource
{
    private readonly BroadcastHub _hub;
    private Subscriber[] _subscribers = new Subscriber[4];

    // The room's members on this hub, kept as they join and leave: nothing per event. Made by the first member.
    private Dictionary<(string Sender, string Identity), MemberPresence>? _members;

    // The last presence read, dropped when the members or subscribers change: a room polled for who is in it is copied
    // and sorted once per change, not once per read. The count tells a read made outside the lock that it is stale.
    private RoomPresence? _presence;
    private int _changes;

    public Room(BroadcastHub hub, string name, EventHistory history, long createdAt, CallerAccount? owner)
    {
        _hub = hub;
        Name = name;
        History = history;
        IdleSince = createdAt;
        Owner = owner;
    }

    public string Name { get; }

    /// <summary>The room's epoch, from its log once open; empty before.</summary>
    public string Epoch { get; set; } = string.Empty;

    /// <summary>The caller the room counts against (it created it), if known; read and changed under the table's lock.</summary>
    public CallerAccount? Owner { get; }

    public Lock Gate { get; } = new();

    public EventHistory History { get; }

    /// <summary>The sequence of the last event handed over; written under <see cref="Gate"/>, read without it as a hint.</summary>
    public long LastSequence;

    /// <summary>The room's log, set once it is open.</summary>
    public IRoomLogSession? Session { get; set; }

    /// <summary>Set once, under <see cref="Gate"/>, when the log is open and the history loaded; read without it by callers.</summary>
    public volatile bool IsOpen;

    /// <summary>Set once, under <see cref="Gate"/>, when the room leaves the hub; read without it by lookups.</summary>
    public volatile bool Closed;

    /// <summary>Completed when opening ends: true once open, false once closed; made only when someone waits.</summary>
    public TaskCompletionSource<bool>? OpenWaiter { get; set; }

    /// <summary>Why opening failed, if it did.</summary>
    public Exception? OpenError { get; set; }

    /// <summary>Events the log handed over while the room was still loading its history; delivered once it has.</summary>
    public List<RoomEvent>? Pending { get; set; }

    /// <summary>Publishers and charges waiting for an event the log appended and has not handed to this room yet.</summary>
    public List<PendingDelivery>? PendingDeliveries { get; set; }

    /// <summary>
    /// True once an event with a message id came: a room remembering ids is not empty, since removing it would make its
    /// log forget them and a retry publish twice. The idle sweep removes it in time, as it does a room with history.
    /// </summary>
    public bool HasMessageIds { get; set; }

    public int SubscriberCount { get; private set; }

    /// <summary>Timestamp (of the hub's clock) since which the room has had no subscriber.</summary>
    public long IdleSince { get; set; }

    public bool IsIdle => SubscriberCount == 0;

    bool IRoomLogListener.HasSubscribers => SubscriberCount > 0;

    public ReadOnlySpan<Subscriber> Subscribers => _subscribers.AsSpan(0, SubscriberCount);

    public void Add(Subscriber subscriber)
    {
        if (SubscriberCount == _subscribers.Length)
        {
            Array.Resize(ref _subscribers, _subscribers.Length * 2);
        }

        subscriber.Slot = SubscriberCount;
        _subscribers[SubscriberCount++] = subscriber;
        Changed();
    }

    /// <summary>Removes in O(1) by moving the last subscriber into the freed slot; fan-out order does not matter.</summary>
    public bool Remove(Subscriber subscriber)
    {
        var slot = subscriber.Slot;
        if (slot < 0)
        {
            return false;
        }

        var last = _subscribers[--SubscriberCount];
        _subscribers[slot] = last;
        last.Slot = slot;
        _subscribers[SubscriberCount] = null!;
        subscriber.Slot = -1;
        Changed();
        return true;
    }

    /// <summary>A member's subscription joined, under <see cref="Gate"/>.</summary>
    public void AddMember(string sender, string identity, DateTimeOffset joined)
    {
        _members ??= [];
        var key = (sender, identity);
        if (!_members.TryGetValue(key, out var member))
        {
            member = new MemberPresence(sender, identity);
            _members.Add(key, member);
        }

        member.Add(joined);
        Changed();
    }

    /// <summary>A member's subscription ended, under <see cref="Gate"/>.</summary>
    public void RemoveMember(string sender, string identity, DateTimeOffset joined)
    {
        var key = (sender, identity);
        if (_members is not null && _members.TryGetValue(key, out var member) && member.Remove(joined) == 0)
        {
            _members.Remove(key);
        }

        Changed();
    }

    string IRoomPresenceSource.Room => Name;

    bool IRoomPresenceSource.IsEmpty => Closed || SubscriberCount == 0;

    public RoomPresence GetPresence()
    {
        RoomMember[] members;
        int subscribers;
        int changes;
        lock (Gate)
        {
            if (Closed || SubscriberCount == 0)
            {
                return RoomPresence.Empty;
            }

            if (_presence is { } unchanged)
            {
                return unchanged;
            }

            members = _members is { Count: > 0 } known ? [.. known.Values.Select(static m => m.ToMember())] : [];
            subscribers = SubscriberCount;
            changes = _changes;
        }

        // Sorted outside the lock: the room's fan-out takes it too, and a big room's sort would hold its deliveries.
        var presence = new RoomPresence(members.Length > 0 ? RoomPresence.Sorted(members) : [], subscribers);
        lock (Gate)
        {
            // Kept unless the room changed meanwhile.
            if (changes == _changes)
            {
                _presence = presence;
            }
        }

        return presence;
    }

    void IRoomLogListener.OnAppended(RoomEvent item) => _hub.OnAppended(this, item);

    /// <summary>Who is in the room changed, under <see cref="Gate"/>.</summary>
    private void Changed()
    {
        _presence = null;
        _changes++;
    }

    void IRoomLogListener.OnLost(Exception error) => _hub.Close(this, error);
}
