using Microsoft.Extensions.Logging;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// The Redis hub's log events: per connection change and per room at most, nothing per message. Ids from 101, apart
/// from the server's own, so an event id names one event wherever the logs are gathered.
/// </summary>
internal static partial class RedisHubLog
{
    [LoggerMessage(101, LogLevel.Warning, "Redis backplane unavailable ({FailureType} on {EndPoint}); publishes fail and streams end with UNAVAILABLE until it is back", EventName = "BackplaneUnavailable")]
    public static partial void BackplaneUnavailable(ILogger logger, string failureType, string? endPoint, Exception? error);

    [LoggerMessage(102, LogLevel.Information, "Redis backplane connected ({EndPoint}); publishes and streams are served", EventName = "BackplaneConnected")]
    public static partial void BackplaneConnected(ILogger logger, string endPoint);

    [LoggerMessage(103, LogLevel.Warning, "Room {Room} closed on this node: {Reason}", EventName = "RoomClosed")]
    public static partial void RoomClosed(ILogger logger, string room, string reason, Exception? error);

    [LoggerMessage(104, LogLevel.Debug, "Room {Room} opened on this node at sequence {Sequence} of epoch {Epoch}", EventName = "RoomOpened")]
    public static partial void RoomOpened(ILogger logger, string room, long sequence, string epoch);

    [LoggerMessage(105, LogLevel.Debug, "Room {Room} released on this node", EventName = "RoomReleased")]
    public static partial void RoomReleased(ILogger logger, string room);

    [LoggerMessage(106, LogLevel.Debug, "LEFT of {Member} in room {Room} not published: the backplane is unavailable", EventName = "LeftNotPublished")]
    public static partial void LeftNotPublished(ILogger logger, string room, string member);

    [LoggerMessage(107, LogLevel.Warning, "Redis refused the {Script} script of room {Room}: {Reason}; such calls fail as errors, not as an unavailable backplane (further refusals log at Debug until a script succeeds)", EventName = "ScriptRefused")]
    public static partial void ScriptRefused(ILogger logger, string script, string room, string reason, Exception error);

    [LoggerMessage(108, LogLevel.Debug, "Redis refused the {Script} script of room {Room}: {Reason}", EventName = "ScriptRefusedAgain")]
    public static partial void ScriptRefusedAgain(ILogger logger, string script, string room, string reason);

    [LoggerMessage(110, LogLevel.Information, "Connecting to the Redis backplane ({EndPoint}) in the background; publishes and streams fail with UNAVAILABLE until it answers", EventName = "BackplaneConnecting")]
    public static partial void BackplaneConnecting(ILogger logger, string endPoint);

    [LoggerMessage(111, LogLevel.Information, "Redis backplane connection restored ({EndPoint}); publishes and streams are served again", EventName = "BackplaneRestored")]
    public static partial void BackplaneRestored(ILogger logger, string endPoint);

    [LoggerMessage(112, LogLevel.Warning, "The Redis backplane ({EndPoint}) cannot be connected to: {Reason}", EventName = "BackplaneConnectFailed")]
    public static partial void BackplaneConnectFailed(ILogger logger, string endPoint, string reason, Exception error);

    [LoggerMessage(109, LogLevel.Information, "Redis runs the room scripts again", EventName = "ScriptsSucceedAgain")]
    public static partial void ScriptsSucceedAgain(ILogger logger);

    [LoggerMessage(113, LogLevel.Warning, "This node does not deliver the Redis backplane's events: {Reason}; health reports NOT_SERVING until it does", EventName = "DeliveryStalled")]
    public static partial void DeliveryStalled(ILogger logger, string reason);

    [LoggerMessage(114, LogLevel.Information, "This node delivers the Redis backplane's events again; health reports SERVING", EventName = "DeliveryRestored")]
    public static partial void DeliveryRestored(ILogger logger);

    [LoggerMessage(115, LogLevel.Warning, "Room {Room} got no notification within {Interval} of an event published to it (delivered {Delivered}, Redis at {Sequence}): its pub/sub subscription is made anew and the room caught up from its log", EventName = "RoomNotNotified")]
    public static partial void RoomNotNotified(ILogger logger, string room, long delivered, long sequence, TimeSpan interval);
}
