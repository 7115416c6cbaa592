using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// Redis ran a room script and refused it with an error that is not an outage (wrong key type, damaged room data,
/// missing permission): a fault to report, not an unavailable backplane to retry against.
/// </summary>
internal sealed class ScriptRefusedException(string message, RedisServerException error) : InvalidOperationException(message, error);
