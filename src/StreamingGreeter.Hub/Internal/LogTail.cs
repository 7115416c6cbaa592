namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// The last events of a room in an <see cref="InMemoryRoomLog"/>, in a ring bounded in count and in bytes, so that a hub
/// instance opening the room later can fill its history. Holds the same event objects as the hubs' histories, so it
/// costs a reference per event. Guarded by the log room's gate.
/// </summary>
internal sealed class LogTail(int capacity, long maxBytes)
{
    /// <summary>Where a ring starts: it grows as events come, so ten thousand quiet rooms do not each hold a full one.</summary>
    private const int InitialRing = 4;

    private RoomEvent[] _ring = capacity == 0 ? [] : new RoomEvent[Math.Min(capacity, InitialRing)];
    private int _start;
    private int _count;
    private long _bytes;

    public void Add(RoomEvent item)
    {
        if (capacity == 0)
        {
            return;
        }

        while (_count > 0 && (_count >= capacity || _bytes + item.Size > maxBytes))
        {
            ref var oldest = ref _ring[_start];
            _bytes -= oldest.Size;
            oldest = null!;
            _start = (_start + 1) % _ring.Length;
            _count--;
        }

        if (_count == _ring.Length)
        {
            var grown = new RoomEvent[(int)Math.Min(capacity, 2L * _ring.Length)];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _ring[(_start + i) % _ring.Length];
            }

            _ring = grown;
            _start = 0;
        }

        _ring[(_start + _count) % _ring.Length] = item;
        _count++;
        _bytes += item.Size;
    }

    /// <summary>The kept events with a sequence above <paramref name="afterSequence"/>, oldest first, at most <paramref name="maxCount"/>.</summary>
    public RoomEvent[] After(long afterSequence, int maxCount)
    {
        if (_count == 0 || maxCount <= 0)
        {
            return [];
        }

        var first = _ring[_start].Sequence;
        var skip = (int)Math.Clamp(afterSequence - first + 1, 0, _count);
        var result = new RoomEvent[Math.Min(_count - skip, maxCount)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _ring[(_start + skip + i) % _ring.Length];
        }

        return result;
    }
}
