using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>What every event stream of a server shares: its clock, its limits and where it logs.</summary>
internal sealed record RoomEventStreamSettings(
    TimeProvider Time,
    TimeSpan HeartbeatInterval,
    TimeSpan WriteTimeout,
    CancellationToken Stopping,
    SlowSubscriberWarning SlowSubscribers,
    ILogger Logger);
