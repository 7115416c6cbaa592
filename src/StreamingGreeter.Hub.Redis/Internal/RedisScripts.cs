namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// The Lua scripts that make a room's epoch, sequence and log one atomic step in Redis, whichever node runs them.
/// KEYS[1] is the room's meta hash (fields <c>epoch</c> and <c>seq</c>), KEYS[2] its stream.
/// </summary>
/// <remarks>
/// Redis does not roll a script back when a command in it fails: what it wrote before stays. So each script reads
/// everything first, works out the room's epoch and sequence, and only then writes, with nothing left that can fail on
/// the room's data.
/// </remarks>
internal static class RedisScripts
{
    /// <summary>
    /// The room's epoch and last sequence, from the meta hash, or from the log when the hash is missing or behind it.
    /// Reads only. ARGV[1] is the epoch for a room that starts anew. Sets <c>epoch</c>, <c>seq</c>, <c>write</c> (the
    /// meta hash must be written, even if nothing is appended) and <c>drop</c> (the old log must be deleted first).
    /// </summary>
    /// <remarks>
    /// The meta hash can be lost on its own (DEL, eviction under <c>allkeys-*</c>) while the log stays. Its newest entry
    /// carries the epoch (field <c>e</c>) and the log's last id the sequence, so the room goes on in the same epoch with
    /// the next sequence: subscribers anywhere resume as if nothing had happened, nodes that have the room open read on
    /// in order. Only a log with no entry left to learn the epoch from is dropped, and the room starts a new epoch at 1.
    /// </remarks>
    private const string Resolve = """
        local meta = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
        local epoch = meta[1]
        local seq = tonumber(meta[2] or '0')
        if not seq then
          return redis.error_reply('ERR field seq of ' .. KEYS[1] .. ' is not a number')
        end
        local top, newest = 0, false
        local drop = redis.call('EXISTS', KEYS[2]) == 1
        if drop then
          local info = redis.call('XINFO', 'STREAM', KEYS[2])
          for i = 1, #info, 2 do
            if info[i] == 'last-generated-id' then
              top = tonumber(string.match(info[i + 1], '^%d+'))
            elseif info[i] == 'last-entry' then
              newest = info[i + 1]
            end
          end
        end
        local write = false
        if epoch and seq >= top then
          drop = false
        else
          write = true
          local found = false
          if newest then
            for i = 1, #newest[2], 2 do
              if newest[2][i] == 'e' then
                found = newest[2][i + 1]
              end
            end
          end
          if found then
            epoch, seq, drop = found, top, false
          else
            epoch, seq = ARGV[1], 0
          end
        end
        """;

    /// <summary>
    /// Appends one event. ARGV: epoch if the room is new, kind, sender, text, time (Unix ms), log capacity, expiry (ms),
    /// notification channel, message id (empty for none), deduplication window (ms), message ids kept at most, data (raw
    /// bytes: Redis strings are binary-safe; empty for none), content type (empty for none). Stream
    /// ids are <c>&lt;sequence&gt;-0</c>, so a sequence range is an id range; the id is above the log's last one, so
    /// <c>XADD</c> cannot refuse it. The notification is <c>&lt;epoch&gt; &lt;sequence&gt;</c>. KEYS[3] is the room's
    /// message ids by time of publish (a sorted set), KEYS[4] each one's <c>&lt;sequence&gt; &lt;epoch&gt;</c> (a hash).
    /// Returns { epoch, sequence, duplicate (0 or 1) }.
    /// </summary>
    /// <remarks>
    /// A message id published within the window, by any node, returns where it landed and writes nothing. The ids are
    /// read first, with the rest, so a key of the wrong type fails the script before it writes. Time is the node's
    /// clock, as an event's <c>at</c> is; the ids' keys expire a window after their last write. The entry's fields are
    /// <c>k s t at e</c>, then <c>m</c> when there is a message id, data or a content type (empty for no id), then
    /// <c>d</c> and <c>c</c> when set: a node that knows only the first six fields reads such an entry as text.
    /// </remarks>
    public const string Append = """
        local id = ARGV[9]
        if id ~= '' then
          local at = redis.call('ZSCORE', KEYS[3], id)
          local seen = redis.call('HGET', KEYS[4], id)
          if at and seen and tonumber(at) > tonumber(ARGV[5]) - tonumber(ARGV[10]) then
            local gap = string.find(seen, ' ', 1, true)
            return { string.sub(seen, gap + 1), tonumber(string.sub(seen, 1, gap - 1)), 1 }
          end
        end
        """ + "\n" + Resolve + "\n" + """
        if drop then
          redis.call('DEL', KEYS[2])
        end
        seq = seq + 1
        local fields = { 'MAXLEN', '~', ARGV[6], seq .. '-0', 'k', ARGV[2], 's', ARGV[3], 't', ARGV[4], 'at', ARGV[5], 'e', epoch }
        local data, contentType = ARGV[12] or '', ARGV[13] or ''
        if id ~= '' or data ~= '' or contentType ~= '' then
          table.insert(fields, 'm')
          table.insert(fields, id)
        end
        if data ~= '' then
          table.insert(fields, 'd')
          table.insert(fields, data)
        end
        if contentType ~= '' then
          table.insert(fields, 'c')
          table.insert(fields, contentType)
        end
        redis.call('XADD', KEYS[2], unpack(fields))
        redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', seq)
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('PEXPIRE', KEYS[2], ARGV[7])
        if id ~= '' then
          redis.call('ZADD', KEYS[3], ARGV[5], id)
          redis.call('HSET', KEYS[4], id, seq .. ' ' .. epoch)
          -- Forget the ids whose window ended, then the oldest beyond the count; in slices, as unpack has a limit.
          local function forget(ids)
            for i = 1, #ids, 1000 do
              redis.call('HDEL', KEYS[4], unpack(ids, i, math.min(i + 999, #ids)))
            end
          end
          local cutoff = tonumber(ARGV[5]) - tonumber(ARGV[10])
          local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cutoff)
          if #expired > 0 then
            forget(expired)
            redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cutoff)
          end
          local over = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[11])
          if over > 0 then
            forget(redis.call('ZRANGE', KEYS[3], 0, over - 1))
            redis.call('ZREMRANGEBYRANK', KEYS[3], 0, over - 1)
          end
          redis.call('PEXPIRE', KEYS[3], ARGV[10])
          redis.call('PEXPIRE', KEYS[4], ARGV[10])
        end
        redis.call('PUBLISH', ARGV[8], epoch .. ' ' .. seq)
        return { epoch, seq, 0 }
        """;

    /// <summary>
    /// Opens a room on a node: its epoch (set if new, recovered from the log if the meta hash was lost), last sequence
    /// and the newest retained events, newest first, in one step. ARGV: epoch if the room is new, events wanted, expiry
    /// (ms). Returns { epoch, sequence, entries }.
    /// </summary>
    public const string Open = Resolve + "\n" + """
        if drop then
          redis.call('DEL', KEYS[2])
        end
        if write then
          redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', seq)
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        local entries = {}
        if seq > 0 and tonumber(ARGV[2]) > 0 then
          entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[2])
        end
        return { epoch, seq, entries }
        """;
}
