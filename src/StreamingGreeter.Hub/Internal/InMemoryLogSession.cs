namespace StreamingGreeter.Hub.Internal;

/// <summary>One hub instance's open view of a room in an <see cref="InMemoryRoomLog"/>: appends complete at once.</summary>
internal sealed class InMemoryLogSession(InMemoryRoomLog log, InMemoryLogRoom room, IRoomLogListener listener, long lastSequence) : IRoomLogSession
{
    private int _disposed;

    public IRoomLogListener Listener { get; } = listener;

    public string Epoch => room.Epoch;

    public long LastSequence { get; } = lastSequence;

    public ValueTask<PublishResult> AppendAsync(RoomLogEntry entry, CancellationToken cancellationToken = default) =>
        new(room.Append(entry));

    public ValueTask<IReadOnlyList<RoomEvent>> ReadAsync(long afterSequence, int maxCount, CancellationToken cancellationToken = default) =>
        new(room.Read(afterSequence, maxCount));

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            log.Detach(room, this);
        }

        return ValueTask.CompletedTask;
    }
}
