using StreamingGreeter.Shared;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>
/// Tells operators that subscribers are being dropped for falling behind, with one warning per interval that counts
/// them, rather than one line per subscriber: a burst of slow clients must not become a burst of log lines.
/// </summary>
internal sealed class SlowSubscriberWarning(IOptions<StreamingGreeterOptions> options, TimeProvider time, ILogger<SlowSubscriberWarning> logger)
{
    private readonly WarningThrottle _throttle = new(options.Value.SlowSubscriberWarningInterval, time);

    public void Report(string room)
    {
        if (_throttle.Count(out var count))
        {
            GreeterLog.SubscribersDroppedForFallingBehind(logger, count, room, _throttle.Interval);
        }
    }
}
