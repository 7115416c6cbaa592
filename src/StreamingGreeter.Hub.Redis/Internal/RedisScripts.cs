namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// The Lua scripts that make a room's epoch, sequence and log one atomic step in Redis, whichever node runs them.
/// KEYS[1] is the room's meta hash (fields <c>epoch</c> and <c>seq</c>), KEYS[2] its stream.
/// </summary>
internal static class RedisScripts
{
    /// <summary>
    /// Appends one event. ARGV: epoch if the room is new, kind, sender, text, time (Unix ms), log capacity, expiry (ms),
    /// notification channel. Stream ids are <c>&lt;sequence&gt;-0</c>, so a sequence range is an id range.
    /// Returns { epoch, sequence }.
    /// </summary>
    public const string Append = """
        redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'k', ARGV[2], 's', ARGV[3], 't', ARGV[4], 'at', ARGV[5], 'e', epoch)
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        redis.call('PEXPIRE', KEYS[2], ARGV[7])
        redis.call('PUBLISH', ARGV[8], seq)
        return { epoch, seq }
        """;

    /// <summary>
    /// Opens a room on a node: its epoch (set if new), last sequence and the newest retained events, newest first, in
    /// one step. ARGV: epoch if the room is new, events wanted, expiry (ms). Returns { epoch, sequence, entries }.
    /// </summary>
    public const string Open = """
        redis.call('HSETNX', KEYS[1], 'epoch', ARGV[1])
        local epoch = redis.call('HGET', KEYS[1], 'epoch')
        local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        local entries = {}
        if seq > 0 and tonumber(ARGV[2]) > 0 then
          entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[2])
        end
        return { epoch, seq, entries }
        """;
}
