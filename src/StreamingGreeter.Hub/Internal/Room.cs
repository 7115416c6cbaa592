namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// One room: its sequence space, history and subscribers. Every field is guarded by <see cref="Gate"/>; sequence
/// assignment and fan-out happen under it, which gives every subscriber the same order.
/// </summary>
internal sealed class Room
{
    private Subscriber[] _subscribers = new Subscriber[4];

    public Room(string name, string epoch, EventHistory history, long createdAt, CallerAccount? owner)
    {
        Name = name;
        Epoch = epoch;
        History = history;
        IdleSince = createdAt;
        Owner = owner;
    }

    public string Name { get; }

    public string Epoch { get; }

    /// <summary>The caller the room counts against (it created it), if known; read and changed under the table's lock.</summary>
    public CallerAccount? Owner { get; }

    public Lock Gate { get; } = new();

    public EventHistory History { get; }

    public long LastSequence { get; set; }

    /// <summary>The message ids published lately; made with the first one, since most rooms never see any.</summary>
    public MessageIds? MessageIds { get; set; }

    public int SubscriberCount { get; private set; }

    /// <summary>Timestamp (of the hub's clock) since which the room has had no subscriber.</summary>
    public long IdleSince { get; set; }

    /// <summary>Set once, under <see cref="Gate"/>, when the room leaves the hub; read without it by lookups.</summary>
    public volatile bool Closed;

    public bool IsIdle => SubscriberCount == 0;

    public ReadOnlySpan<Subscriber> Subscribers => _subscribers.AsSpan(0, SubscriberCount);

    public void Add(Subscriber subscriber)
    {
        if (SubscriberCount == _subscribers.Length)
        {
            Array.Resize(ref _subscribers, _subscribers.Length * 2);
        }

        subscriber.Slot = SubscriberCount;
        _subscribers[SubscriberCount++] = subscriber;
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
        return true;
    }
}
