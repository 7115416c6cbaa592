using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace StreamingGreeter.Server.Internal;

/// <summary>
/// Tells operators that subscribers are being dropped for falling behind, with one warning per interval that counts
/// them, rather than one line per subscriber: a burst of slow clients must not become a burst of log lines.
/// </summary>
internal sealed class SlowSubscriberWarning(IOptions<StreamingGreeterOptions> options, TimeProvider time, ILogger<SlowSubscriberWarning> logger)
{
    private readonly long _intervalTicks = options.Value.SlowSubscriberWarningInterval.Ticks;
    private long _pending;
    private long _nextWarningAt;

    public void Report(string room)
    {
        Interlocked.Increment(ref _pending);
        var now = time.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextWarningAt);
        if (now < next || Interlocked.CompareExchange(ref _nextWarningAt, now + _intervalTicks, next) != next)
        {
            return;
        }

        GreeterLog.SubscribersDroppedForFallingBehind(logger, Interlocked.Exchange(ref _pending, 0), room, options.Value.SlowSubscriberWarningInterval);
    }
}
