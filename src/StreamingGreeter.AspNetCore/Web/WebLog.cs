namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// The web routes' log events: Debug at most per request, nothing per event. None of them carries the query string,
/// which may hold an access_token.
/// </summary>
internal static partial class WebLog
{
    [LoggerMessage(101, LogLevel.Debug, "Event stream of room {Room} started in epoch {Epoch} after sequence {AfterSequence}", EventName = "EventStreamStarted")]
    public static partial void EventStreamStarted(ILogger logger, string room, string epoch, long afterSequence);

    [LoggerMessage(102, LogLevel.Debug, "Event stream of room {Room} refused with {Status}: {Reason}", EventName = "EventStreamRefused")]
    public static partial void EventStreamRefused(ILogger logger, string room, int status, string reason);

    [LoggerMessage(103, LogLevel.Debug, "Event stream of room {Room} ended with {Code}: {Reason}", EventName = "EventStreamEnded")]
    public static partial void EventStreamEnded(ILogger logger, string room, string code, string reason);

    [LoggerMessage(104, LogLevel.Debug, "Event stream of room {Room} stopped reading: a write made no progress for Greeter:WriteTimeout, the connection was aborted after sequence {LastSequence}", EventName = "EventStreamWriteTimedOut")]
    public static partial void WriteTimedOut(ILogger logger, string room, long lastSequence);
}
