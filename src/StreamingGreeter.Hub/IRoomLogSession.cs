namespace StreamingGreeter.Hub;

/// <summary>One hub instance's open view of one room's log (see <see cref="IRoomLog.OpenAsync"/>). Dispose it to release the room.</summary>
public interface IRoomLogSession : IAsyncDisposable
{
    /// <summary>The room's epoch when it was opened: the id of its sequence space.</summary>
    string Epoch { get; }

    /// <summary>The sequence of the room's last event when it was opened; 0 for a room without events.</summary>
    long LastSequence { get; }

    /// <summary>
    /// Appends an event and returns where it landed. When <see cref="RoomLogEntry.MessageId"/> names a message the room
    /// published within the log's deduplication window, nothing is appended and the original's position is returned with
    /// <see cref="PublishResult.Duplicate"/> set. The event reaches the listeners like any other, possibly before this returns.
    /// </summary>
    /// <exception cref="HubUnavailableException">The log cannot be reached; the event may or may not have been appended.</exception>
    ValueTask<PublishResult> AppendAsync(RoomLogEntry entry, CancellationToken cancellationToken = default);

    /// <summary>
    /// The retained events of <see cref="Epoch"/> with a sequence above <paramref name="afterSequence"/>, oldest first and
    /// contiguous, at most <paramref name="maxCount"/>; fewer, or none, when the log no longer keeps them.
    /// </summary>
    /// <exception cref="HubUnavailableException">The log cannot be reached.</exception>
    ValueTask<IReadOnlyList<RoomEvent>> ReadAsync(long afterSequence, int maxCount, CancellationToken cancellationToken = default);
}
