namespace StreamingGreeter.Shared;

/// <summary>
/// Counts occurrences of one thing worth a warning and says when to warn: at the first, then at most once per interval,
/// with how many happened since the last warning. A burst of them must not become a burst of log lines.
/// </summary>
internal sealed class WarningThrottle(TimeSpan interval, TimeProvider time)
{
    private readonly long _intervalTicks = interval.Ticks;
    private long _pending;
    private long _nextWarningAt;

    public TimeSpan Interval => interval;

    /// <summary>Counts one occurrence; true when a warning is due now, with the occurrences it reports.</summary>
    public bool Count(out long occurrences)
    {
        Interlocked.Increment(ref _pending);
        var now = time.GetUtcNow().UtcTicks;
        var next = Interlocked.Read(ref _nextWarningAt);
        if (now < next || Interlocked.CompareExchange(ref _nextWarningAt, now + _intervalTicks, next) != next)
        {
            occurrences = 0;
            return false;
        }

        occurrences = Interlocked.Exchange(ref _pending, 0);
        return true;
    }
}
