namespace StreamingGreeter.Hub.Internal;

/// <summary>What one caller holds in the hub: rooms it created, and bytes of history its events take.</summary>
/// <remarks>
/// <see cref="Rooms"/> changes under the room table's lock; <see cref="Bytes"/> under the lock of whichever room
/// retains or drops the event, so it is changed with interlocked adds. An account leaves the table only when it holds
/// nothing and nobody has it pinned, under the table's lock, where accounts are also handed out.
/// </remarks>
internal sealed class CallerAccount(string name)
{
    private long _bytes;
    private int _pins;

    public string Name { get; } = name;

    public int Rooms { get; set; }

    public long Bytes => Volatile.Read(ref _bytes);

    public bool IsUnused => Rooms == 0 && Bytes == 0 && Volatile.Read(ref _pins) == 0;

    public void AddBytes(long delta) => Interlocked.Add(ref _bytes, delta);

    public void Pin() => Interlocked.Increment(ref _pins);

    public void Unpin() => Interlocked.Decrement(ref _pins);
}
