using StreamingGreeter.Shared;

namespace StreamingGreeter.Client.Load;

/// <summary>
/// Latencies in microseconds, counted in fixed log-linear buckets (exact below 64 µs, then 32 buckets per power of two,
/// so within about 3 %), safe to record from many threads at once without a lock or an allocation.
/// </summary>
internal sealed class LatencyHistogram
{
    private readonly long[] _counts = new long[LatencyBuckets.Count];
    private long _max;

    public long MaxMicroseconds => Volatile.Read(ref _max);

    /// <summary>How many latencies were recorded.</summary>
    public long Count => _counts.Sum();

    public void Record(long microseconds)
    {
        var value = LatencyBuckets.Clamp(microseconds);
        Interlocked.Increment(ref _counts[LatencyBuckets.Index(value)]);
        var max = Volatile.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The latency that <paramref name="percent"/> % of the recorded ones do not exceed (the bucket's upper end); 0 when empty.</summary>
    public long PercentileMicroseconds(double percent)
    {
        var counts = new long[_counts.Length];
        long total = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = Volatile.Read(ref _counts[i]);
            total += counts[i];
        }

        return LatencyBuckets.Percentile(counts, total, MaxMicroseconds, percent);
    }
}
