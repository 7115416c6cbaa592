namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// The message ids a room has published in the last window, each with the sequence it got, bounded in count: the
/// oldest goes first, whether its window ended or the room has too many. Guarded by the room's gate.
/// </summary>
internal sealed class MessageIds(long windowTicks, int capacity)
{
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long At)> _order = new();

    public int Count => _sequences.Count;

    /// <summary>The sequence <paramref name="id"/> was published at, if that was within the window before <paramref name="now"/>.</summary>
    public bool TryGet(string id, long now, out long sequence)
    {
        Expire(now);
        return _sequences.TryGetValue(id, out sequence);
    }

    public void Add(string id, long sequence, long now)
    {
        Expire(now);
        while (_order.Count >= capacity)
        {
            _sequences.Remove(_order.Dequeue().Id);
        }

        // TryGet came first, so the id is not here: each id is in the queue once.
        _sequences.Add(id, sequence);
        _order.Enqueue((id, now));
    }

    private void Expire(long now)
    {
        while (_order.TryPeek(out var oldest) && now - oldest.At >= windowTicks)
        {
            _order.Dequeue();
            _sequences.Remove(oldest.Id);
        }
    }
}
