using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// Rooms' presence over the nodes sharing a Redis: each node writes its own members of each room into the room's
/// presence hash (one field per node, named by the node's id) and keeps a heartbeat key that expires after
/// <c>Hub:Redis:PresenceTtl</c>; a read adds up the fields of live nodes and removes those of dead ones. Every TTL/3 the
/// node renews its heartbeat and rewrites its fields (which also renews the hash's own expiry, so a hash whose every
/// writer died goes with them), so a node that dies without a word drops out within the TTL.
/// </summary>
/// <remarks>
/// Writes are coalesced: a join or leave marks the room and one loop at a time writes the marked rooms' current presence,
/// in one pipelined batch, so a burst of joins costs one write per room. A node's own part of a read is always its
/// current one, not what it last wrote.
/// </remarks>
internal sealed class RedisPresence : IRoomPresence, IAsyncDisposable
{
    private readonly RedisConnection _connection;
    private readonly string _keyPrefix;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private readonly RedisKey _heartbeat;
    private readonly TimeSpan _ttl;
    private readonly ITimer _refresh;
    private readonly Lock _gate = new();

    // Each room's non-empty views on this node: one, or two while one replaces a closed room.
    private readonly Dictionary<string, List<IRoomPresenceSource>> _rooms = new(StringComparer.Ordinal);
    private readonly HashSet<string> _written = new(StringComparer.Ordinal);
    private HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly CoalescedRun _flush;
    private bool _disposed;

    public RedisPresence(RedisConnection connection, string keyPrefix, TimeSpan ttl, TimeProvider time)
    {
        _connection = connection;
        _keyPrefix = keyPrefix;
        _ttl = ttl;
        _heartbeat = keyPrefix + "node:" + _node + ":alive";
        _flush = new CoalescedRun(FlushAsync);
        var period = TimeSpan.FromTicks(ttl.Ticks / 3);
        _refresh = time.CreateTimer(static state => ((RedisPresence)state!).Refresh(), this, period, period);
    }

    public void Changed(IRoomPresenceSource source)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Read under the lock: of two changes of one source, the one applied last read the later state.
            var empty = source.IsEmpty;
            if (_rooms.TryGetValue(source.Room, out var sources))
            {
                var known = sources.IndexOf(source);
                if (empty && known >= 0)
                {
                    sources.RemoveAt(known);
                    if (sources.Count == 0)
                    {
                        _rooms.Remove(source.Room);
                    }
                }
                else if (!empty && known < 0)
                {
                    sources.Add(source);
                }
            }
            else if (!empty)
            {
                _rooms.Add(source.Room, [source]);
            }

            _dirty.Add(source.Room);
        }

        RequestFlush();
    }

    public async ValueTask<RoomPresence> ReadAsync(string room, CancellationToken cancellationToken = default)
    {
        var what = $"the presence of room \"{room}\" could not be read";
        RedisResult reply;
        try
        {
            reply = await _connection.Database(what).ScriptEvaluateAsync(
                PresenceScripts.Read,
                [Key(room)],
                [_keyPrefix + "node:", ":alive", _node]).WaitAsync(cancellationToken);
        }
        catch (Exception error) when (RedisRoomLog.IsOutage(error) || error is ObjectDisposedException or RedisServerException)
        {
            // A script Redis refused included: the caller gets UNAVAILABLE naming it, not an unexplained UNKNOWN.
            throw _connection.Unavailable(what, error);
        }

        var parts = new List<RoomPresence>();
        foreach (var value in (RedisResult[])reply!)
        {
            if (PresenceCodec.Decode((byte[])value!) is { } part)
            {
                parts.Add(part);
            }
        }

        parts.Add(Local(room));
        return RoomPresence.Combine(parts);
    }

    /// <summary>Stops writing, and removes this node's heartbeat and fields: its members leave every room at once.</summary>
    public async ValueTask DisposeAsync()
    {
        string[] written;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
        }

        await _refresh.DisposeAsync();
        // A write under way may have taken its rooms before the flag was set: it lands first, then the deletes.
        await _flush.Current.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        lock (_gate)
        {
            written = [.. _written];
        }
        try
        {
            var database = _connection.Database("removing this node's presence");
            var removals = new List<Task> { database.KeyDeleteAsync(_heartbeat) };
            removals.AddRange(written.Select(room => database.HashDeleteAsync(Key(room), _node)));
            await Task.WhenAll(removals);
        }
        catch (Exception error) when (RedisRoomLog.IsOutage(error) || error is HubUnavailableException or ObjectDisposedException)
        {
            // Unreachable: the heartbeat expires by itself, and the readers remove the fields it leaves.
        }
    }

    private RedisKey Key(string room) => _keyPrefix + "room:" + room + ":presence";

    private RoomPresence Local(string room)
    {
        IRoomPresenceSource[] sources;
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room, out var known))
            {
                return RoomPresence.Empty;
            }

            sources = [.. known];
        }

        return sources.Length == 1 ? sources[0].GetPresence() : RoomPresence.Combine(sources.Select(static s => s.GetPresence()));
    }

    /// <summary>Every TTL/3: the heartbeat and every room's field are written again, whether or not they changed.</summary>
    private void Refresh()
    {
        lock (_gate)
        {
            if (_disposed || (_rooms.Count == 0 && _dirty.Count == 0))
            {
                return;
            }

            _dirty.UnionWith(_rooms.Keys);
        }

        RequestFlush();
    }

    private void RequestFlush() => _flush.Request();

    private async Task FlushAsync()
    {
        // While Redis cannot serve, the marks stay: the first refresh after it is back writes them.
        if (!_connection.IsAvailable)
        {
            return;
        }

        HashSet<string> dirty;
        lock (_gate)
        {
            if (_disposed || _dirty.Count == 0)
            {
                return;
            }

            dirty = _dirty;
            _dirty = new HashSet<string>(StringComparer.Ordinal);
        }

        var writes = new List<Task>(1 + (dirty.Count * 2));
        var written = new List<(string Room, bool Present)>(dirty.Count);
        try
        {
            var batch = _connection.Database("writing this node's presence").CreateBatch();
            // The heartbeat first: a field is never read as this node's before the node is alive.
            writes.Add(batch.StringSetAsync(_heartbeat, _node, _ttl));
            foreach (var room in dirty)
            {
                var presence = Local(room);
                var key = Key(room);
                if (presence.Subscribers == 0)
                {
                    writes.Add(batch.HashDeleteAsync(key, _node));
                    written.Add((room, false));
                }
                else
                {
                    writes.Add(batch.HashSetAsync(key, _node, PresenceCodec.Encode(presence)));
                    writes.Add(batch.KeyExpireAsync(key, _ttl));
                    written.Add((room, true));
                }
            }

            batch.Execute();
            await Task.WhenAll(writes);
        }
        catch (Exception error)
        {
            // Written again later, whatever failed: marked again here, and the refresh runs the loop. Only an outage is
            // expected; anything else (a refusal by Redis) still surfaces, with the marks kept.
            lock (_gate)
            {
                if (!_disposed)
                {
                    _dirty.UnionWith(dirty);
                }
            }

            if (RedisRoomLog.IsOutage(error) || error is HubUnavailableException or ObjectDisposedException)
            {
                return;
            }

            throw;
        }

        // Only once Redis took them: a field whose delete failed stays known as written, so the next flush deletes it.
        lock (_gate)
        {
            foreach (var (room, present) in written)
            {
                _ = present ? _written.Add(room) : _written.Remove(room);
            }
        }
    }
}
