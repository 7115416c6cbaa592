namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// The last events of a room, in a ring, bounded in count and in bytes. Sequences in it are contiguous, so a lookup is
/// arithmetic. Each entry remembers whose event it is, so the bytes it takes are given back to that caller when it goes.
/// Guarded by the room's gate.
/// </summary>
internal sealed class EventHistory
{
    /// <summary>Where a ring starts: it grows as events come, so ten thousand quiet rooms do not each hold a full one.</summary>
    private const int InitialRing = 16;

    private readonly int _capacity;
    private readonly long _maxBytes;
    private Entry[] _ring;
    private int _start;

    public EventHistory(int capacity, long maxBytes)
    {
        _capacity = capacity;
        _ring = capacity == 0 ? [] : new Entry[Math.Min(capacity, InitialRing)];
        _maxBytes = maxBytes;
    }

    public int Count { get; private set; }

    /// <summary>Bytes of the retained events.</summary>
    public long Bytes { get; private set; }

    public bool Retains => _capacity > 0;

    /// <summary>
    /// The bytes that adding an event of <paramref name="size"/> would make the oldest events give back, in all and of
    /// <paramref name="owner"/>'s own (they count toward its budget until they go).
    /// </summary>
    public long WouldFree(int size, CallerAccount? owner, out long ownersFreed)
    {
        ownersFreed = 0;
        var freed = 0L;
        for (var i = 0; i < Count && MustTrim(Count - i, Bytes - freed, size); i++)
        {
            var entry = _ring[(_start + i) % _ring.Length];
            freed += entry.Size;
            if (ReferenceEquals(entry.Owner, owner))
            {
                ownersFreed += entry.Size;
            }
        }

        return freed;
    }

    /// <summary>Adds an event, trimming the oldest to stay within bounds; returns the change in <see cref="Bytes"/>.</summary>
    public long Add(RoomEvent item, int size, CallerAccount? owner)
    {
        if (!Retains)
        {
            return 0;
        }

        var before = Bytes;
        while (Count > 0 && MustTrim(Count, Bytes, size))
        {
            RemoveOldest();
        }

        if (Count == _ring.Length)
        {
            Grow();
        }

        _ring[(_start + Count) % _ring.Length] = new Entry(item, size, owner);
        Count++;
        Bytes += size;
        owner?.AddBytes(size);
        return Bytes - before;
    }

    /// <summary>Drops every event, giving its bytes back to its caller; returns the bytes freed.</summary>
    public long Clear()
    {
        var freed = Bytes;
        while (Count > 0)
        {
            RemoveOldest();
        }

        return freed;
    }

    /// <summary>The retained events with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public RoomEvent[] After(long afterSequence)
    {
        if (Count == 0)
        {
            return [];
        }

        var first = _ring[_start].Event.Sequence;
        var skip = (int)Math.Clamp(afterSequence - first + 1, 0, Count);
        var result = new RoomEvent[Count - skip];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _ring[(_start + skip + i) % _ring.Length].Event;
        }

        return result;
    }

    /// <summary>
    /// Charges a retained event nobody owns yet to <paramref name="owner"/>: a publisher learns its event's sequence
    /// from the log, which may have handed the event over before. Nothing happens if the event is no longer retained.
    /// </summary>
    public void Charge(long sequence, CallerAccount owner)
    {
        if (Count == 0)
        {
            return;
        }

        var index = sequence - _ring[_start].Event.Sequence;
        if (index < 0 || index >= Count)
        {
            return;
        }

        ref var entry = ref _ring[(_start + (int)index) % _ring.Length];
        if (entry.Owner is null && entry.Event.Sequence == sequence)
        {
            entry = entry with { Owner = owner };
            owner.AddBytes(entry.Size);
        }
    }

    private bool MustTrim(int count, long bytes, int incoming) => count >= _capacity || bytes + incoming > _maxBytes;

    private void Grow()
    {
        var grown = new Entry[(int)Math.Min(_capacity, 2L * _ring.Length)];
        for (var i = 0; i < Count; i++)
        {
            grown[i] = _ring[(_start + i) % _ring.Length];
        }

        _ring = grown;
        _start = 0;
    }

    private void RemoveOldest()
    {
        ref var oldest = ref _ring[_start];
        Bytes -= oldest.Size;
        oldest.Owner?.AddBytes(-oldest.Size);
        oldest = default;
        _start = (_start + 1) % _ring.Length;
        Count--;
    }

    private readonly record struct Entry(RoomEvent Event, int Size, CallerAccount? Owner);
}
