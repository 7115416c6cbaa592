using Microsoft.Extensions.Logging;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>The Greeter service's log events: Debug at most per call, nothing per message.</summary>
internal static partial class GreeterLog
{
    [LoggerMessage(1, LogLevel.Debug, "Greeting stream for {Name}: {Count} replies every {IntervalMs} ms", EventName = "GreetingStreamStarted")]
    public static partial void GreetingStreamStarted(ILogger logger, string name, int count, int intervalMs);

    [LoggerMessage(2, LogLevel.Debug, "Greeted {Count} names from one stream", EventName = "ManyGreeted")]
    public static partial void ManyGreeted(ILogger logger, int count);

    [LoggerMessage(3, LogLevel.Debug, "{Sender} joined room {Room} to chat", EventName = "ChatJoined")]
    public static partial void ChatJoined(ILogger logger, string room, string sender);

    [LoggerMessage(4, LogLevel.Debug, "Subscribed to room {Room} after sequence {AfterSequence}", EventName = "Subscribed")]
    public static partial void Subscribed(ILogger logger, string room, long afterSequence);

    [LoggerMessage(5, LogLevel.Debug, "Subscriber of room {Room} fell behind and was disconnected after sequence {LastSequence}", EventName = "SubscriberOverflowed")]
    public static partial void SubscriberOverflowed(ILogger logger, string room, long lastSequence);

    [LoggerMessage(6, LogLevel.Debug, "Stream ended by server shutdown", EventName = "StreamEndedByShutdown")]
    public static partial void StreamEndedByShutdown(ILogger logger);

    [LoggerMessage(7, LogLevel.Warning, "{Count} subscribers were disconnected for falling behind (latest in room {Room}); at most one such warning per {Interval}", EventName = "SubscribersDroppedForFallingBehind")]
    public static partial void SubscribersDroppedForFallingBehind(ILogger logger, long count, string room, TimeSpan interval);

    [LoggerMessage(9, LogLevel.Debug, "Call ended with UNAVAILABLE: {Reason}", EventName = "HubUnavailable")]
    public static partial void HubUnavailable(ILogger logger, string reason);

    [LoggerMessage(10, LogLevel.Warning, "{Count} connections were refused because {Limit} ({Value}) was reached (latest from {Address}); at most one such warning per {Interval}", EventName = "ConnectionsRefused")]
    public static partial void ConnectionsRefused(ILogger logger, long count, string limit, int value, string address, TimeSpan interval);

    [LoggerMessage(11, LogLevel.Debug, "Connection {ConnectionId} from {Address} refused: {Limit} ({Value}) reached", EventName = "ConnectionRefused")]
    public static partial void ConnectionRefused(ILogger logger, string connectionId, string address, string limit, int value);

    [LoggerMessage(12, LogLevel.Debug, "Connection {ConnectionId} from {Address} closed: no complete HTTP/2 preface within {Timeout}", EventName = "ConnectionPrefaceTimedOut")]
    public static partial void ConnectionPrefaceTimedOut(ILogger logger, string connectionId, string address, TimeSpan timeout);

    [LoggerMessage(13, LogLevel.Warning, "{Count} connections were closed for sending no complete HTTP/2 preface within {Timeout} (Greeter:ConnectionPrefaceTimeout; latest from {Address}); at most one such warning per {Interval}", EventName = "ConnectionsWithoutPreface")]
    public static partial void ConnectionsWithoutPreface(ILogger logger, long count, TimeSpan timeout, string address, TimeSpan interval);

    [LoggerMessage(14, LogLevel.Debug, "Call {Method} ended: the client cancelled it or went away ({Reason})", EventName = "CallAbandoned")]
    public static partial void CallAbandoned(ILogger logger, string method, string reason);

    [LoggerMessage(15, LogLevel.Debug, "Subscriber of room {Room} stopped reading: a write made no progress for Greeter:WriteTimeout, the call was aborted after sequence {LastSequence}", EventName = "WriteTimedOut")]
    public static partial void WriteTimedOut(ILogger logger, string room, long lastSequence);
}
