using System.ComponentModel.DataAnnotations;
using StreamingGreeter.Hub.Internal;

namespace StreamingGreeter.Hub;

/// <summary>
/// An <see cref="IRoomLog"/> in this process: sequences each room's events, keeps its last ones and remembers its
/// message ids. One log may be shared by several hub instances (see <see cref="InMemoryBroadcastHub"/>),
/// which then behave like nodes sharing a backplane: one order per room, resume on any of them, members seen by all.
/// It gathers the rooms' presence over those instances too (<see cref="IRoomPresence"/>): a read asks each for its own.
/// </summary>
/// <remarks>
/// A room lives in the log while some hub instance has it open, so it is forgotten, with its epoch, when the last one
/// lets it go (see <see cref="BroadcastHubOptions.IdleRoomTimeout"/>). Locks: one for the room table, one per room,
/// taken in that order; an append calls the hub instances' listeners under its room's lock.
/// </remarks>
public sealed class InMemoryRoomLog : IRoomLog, IRoomPresence
{
    private readonly Dictionary<string, InMemoryLogRoom> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    // Each room's non-empty views, one per hub instance (two for a moment while one replaces a closed room). A lock of
    // its own, taken last: Changed may come under a room's lock of this log, and nothing is called under this one
    // but the sources' IsEmpty, which takes no lock.
    private readonly Dictionary<string, List<IRoomPresenceSource>> _presence = new(StringComparer.Ordinal);
    private readonly Lock _presenceGate = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly long _windowTicks;
    private readonly int _maxIds;

    /// <summary>
    /// Creates a log that keeps <see cref="BroadcastHubOptions.HistorySize"/> events of a room at most (and
    /// <see cref="BroadcastHubOptions.MaxHistoryBytesPerRoom"/>), and deduplicates message ids as
    /// <see cref="BroadcastHubOptions.DeduplicationWindow"/> and <see cref="BroadcastHubOptions.DeduplicationMaxIds"/> say.
    /// </summary>
    /// <exception cref="ValidationException">An option is out of range.</exception>
    public InMemoryRoomLog(BroadcastHubOptions? options = null)
    {
        options ??= new BroadcastHubOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _capacity = options.HistorySize;
        _maxBytes = options.MaxHistoryBytesPerRoom;
        _windowTicks = options.DeduplicationWindow.Ticks;
        _maxIds = options.DeduplicationMaxIds;
    }

    /// <summary>Rooms some hub instance has open.</summary>
    public int RoomCount
    {
        get
        {
            lock (_gate)
            {
                return _rooms.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IRoomLogSession> OpenAsync(string room, IRoomLogListener listener, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(listener);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room, out var state))
            {
                state = new InMemoryLogRoom(room, Guid.NewGuid().ToString("N"), new LogTail(_capacity, _maxBytes), _windowTicks, _maxIds);
                _rooms.Add(room, state);
            }

            return new ValueTask<IRoomLogSession>(state.Attach(this, listener));
        }
    }

    /// <inheritdoc />
    public void Changed(IRoomPresenceSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        lock (_presenceGate)
        {
            // Read here, under the lock: of two changes of one source, the one applied last read the later state.
            var empty = source.IsEmpty;
            if (!_presence.TryGetValue(source.Room, out var sources))
            {
                if (empty)
                {
                    return;
                }

                sources = new List<IRoomPresenceSource>(1);
                _presence.Add(source.Room, sources);
            }

            var known = sources.IndexOf(source);
            if (empty && known >= 0)
            {
                sources.RemoveAt(known);
                if (sources.Count == 0)
                {
                    _presence.Remove(source.Room);
                }
            }
            else if (!empty && known < 0)
            {
                sources.Add(source);
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<RoomPresence> ReadAsync(string room, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        IRoomPresenceSource[] sources;
        lock (_presenceGate)
        {
            if (!_presence.TryGetValue(room, out var known))
            {
                return new ValueTask<RoomPresence>(RoomPresence.Empty);
            }

            sources = [.. known];
        }

        // Outside the lock: each takes its room's lock.
        return new ValueTask<RoomPresence>(sources.Length == 1 ? sources[0].GetPresence() : RoomPresence.Combine(sources.Select(static s => s.GetPresence())));
    }

    /// <summary>A session let its room go; the room leaves the log with the last one.</summary>
    internal void Detach(InMemoryLogRoom room, InMemoryLogSession session)
    {
        lock (_gate)
        {
            if (room.Detach(session) == 0 && _rooms.TryGetValue(room.Name, out var current) && ReferenceEquals(current, room))
            {
                _rooms.Remove(room.Name);
            }
        }
    }
}
