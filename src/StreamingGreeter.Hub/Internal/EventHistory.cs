namespace StreamingGreeter.Hub.Internal;

/// <summary>The last events of a room, in a ring. Sequences in it are contiguous, so a lookup is arithmetic.</summary>
internal sealed class EventHistory
{
    private readonly RoomEvent[] _ring;
    private int _start;

    public EventHistory(int capacity) => _ring = capacity == 0 ? [] : new RoomEvent[capacity];

    public int Count { get; private set; }

    public void Add(RoomEvent item)
    {
        if (_ring.Length == 0)
        {
            return;
        }

        if (Count < _ring.Length)
        {
            _ring[(_start + Count) % _ring.Length] = item;
            Count++;
        }
        else
        {
            _ring[_start] = item;
            _start = (_start + 1) % _ring.Length;
        }
    }

    /// <summary>The retained events with a sequence above <paramref name="afterSequence"/>, oldest first.</summary>
    public RoomEvent[] After(long afterSequence)
    {
        if (Count == 0)
        {
            return [];
        }

        var first = _ring[_start].Sequence;
        var skip = (int)Math.Clamp(afterSequence - first + 1, 0, Count);
        var result = new RoomEvent[Count - skip];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _ring[(_start + skip + i) % _ring.Length];
        }

        return result;
    }
}
