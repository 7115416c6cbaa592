namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// One room of an <see cref="InMemoryRoomLog"/>: its epoch, sequence, last events and message ids, and the hub instances
/// that have it open. Every field is guarded by <see cref="Gate"/>; an append sequences the event and hands it to every
/// instance under it, which gives them all the same order.
/// </summary>
internal sealed class InMemoryLogRoom(string name, string epoch, LogTail tail, long windowTicks, int maxIds)
{
    private InMemoryLogSession[] _sessions = [];
    private long _lastSequence;
    private MessageIds? _messageIds;

    public string Name { get; } = name;

    public string Epoch { get; } = epoch;

    public Lock Gate { get; } = new();

    public InMemoryLogSession Attach(InMemoryRoomLog log, IRoomLogListener listener)
    {
        lock (Gate)
        {
            // Registered with the position it opens at, in one step: every later append reaches it.
            var session = new InMemoryLogSession(log, this, listener, _lastSequence);
            _sessions = [.. _sessions, session];
            return session;
        }
    }

    /// <summary>Removes a session; returns how many remain.</summary>
    public int Detach(InMemoryLogSession session)
    {
        lock (Gate)
        {
            _sessions = Array.FindAll(_sessions, s => !ReferenceEquals(s, session));
            return _sessions.Length;
        }
    }

    public PublishResult Append(RoomLogEntry entry)
    {
        var now = entry.Time.UtcTicks;
        lock (Gate)
        {
            var messageId = string.IsNullOrEmpty(entry.MessageId) ? null : entry.MessageId;
            if (messageId is not null && _messageIds is { } seen && seen.TryGet(messageId, now, out var original))
            {
                return new PublishResult(original, Epoch) { Duplicate = true };
            }

            var item = new RoomEvent(entry.Kind, Name, entry.Sender, entry.Text, ++_lastSequence, entry.Time, Epoch, messageId, entry.Data, entry.ContentType);
            tail.Add(item);
            if (messageId is not null)
            {
                _messageIds ??= new MessageIds(windowTicks, maxIds);
                _messageIds.Add(messageId, item.Sequence, now);
            }

            // Under the gate, so that every hub instance gets the room's events in one order; each takes its own
            // room's gate inside (this gate is always taken first).
            foreach (var session in _sessions)
            {
                session.Listener.OnAppended(item);
            }

            return new PublishResult(item.Sequence, Epoch);
        }
    }

    public RoomEvent[] Read(long afterSequence, int maxCount)
    {
        lock (Gate)
        {
            return tail.After(afterSequence, maxCount);
        }
    }
}
