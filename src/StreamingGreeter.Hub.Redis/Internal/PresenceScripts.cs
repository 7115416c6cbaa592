namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// The presence read: a room's presence hash (KEYS[1]) has one field per node, named by the node's id, holding that
/// node's members of the room; a node is alive while its heartbeat key (ARGV[1] .. id .. ARGV[2]) exists.
/// </summary>
internal static class PresenceScripts
{
    /// <summary>
    /// The parts of live nodes other than ARGV[3] (the reader, which knows its own), and removes those of dead nodes, so a
    /// room's hash empties (and Redis deletes it) once the nodes that wrote it are gone. The heartbeat keys are named by
    /// the fields, not passed as KEYS: the read is for one Redis, not a cluster, like the room scripts.
    /// </summary>
    public const string Read = """
        local fields = redis.call('HGETALL', KEYS[1])
        local parts = {}
        for i = 1, #fields, 2 do
          local node = fields[i]
          if redis.call('EXISTS', ARGV[1] .. node .. ARGV[2]) == 1 then
            if node ~= ARGV[3] then
              parts[#parts + 1] = fields[i + 1]
            end
          else
            redis.call('HDEL', KEYS[1], node)
          end
        end
        return parts
        """;
}
