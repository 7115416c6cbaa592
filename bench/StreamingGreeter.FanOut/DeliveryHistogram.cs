using StreamingGreeter.Shared;

namespace StreamingGreeter.FanOut;

/// <summary>
/// Latencies in microseconds in the fixed log-linear buckets of the load tool's histogram (exact below 64 µs, then 32
/// buckets per power of two, so within about 3 %), but for one thread: one per connection, merged at the end, so that
/// recording a delivery is an increment with no interlocked operation and no shared cache line.
/// </summary>
internal sealed class DeliveryHistogram
{
    private readonly long[] _counts = new long[LatencyBuckets.Count];

    public long Count { get; private set; }

    public long MaxMicroseconds { get; private set; }

    public void Record(long microseconds)
    {
        var value = LatencyBuckets.Clamp(microseconds);
        _counts[LatencyBuckets.Index(value)]++;
        Count++;
        if (value > MaxMicroseconds)
        {
            MaxMicroseconds = value;
        }
    }

    public void Add(DeliveryHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        MaxMicroseconds = Math.Max(MaxMicroseconds, other.MaxMicroseconds);
    }

    /// <summary>The latency that <paramref name="percent"/> % of the recorded ones do not exceed (the bucket's upper end); 0 when empty.</summary>
    public long PercentileMicroseconds(double percent) => LatencyBuckets.Percentile(_counts, Count, MaxMicroseconds, percent);
}
