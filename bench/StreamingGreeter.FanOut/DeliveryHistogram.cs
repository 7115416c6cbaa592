using System.Numerics;

namespace StreamingGreeter.FanOut;

/// <summary>
/// Latencies in microseconds in the fixed log-linear buckets of the load tool's histogram (exact below 64 µs, then 32
/// buckets per power of two, so within about 3 %), but for one thread: one per connection, merged at the end, so that
/// recording a delivery is an increment with no interlocked operation and no shared cache line.
/// </summary>
internal sealed class DeliveryHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBelow = SubBuckets * 2;
    private const int MaxShift = 40 - SubBucketBits;

    private readonly long[] _counts = new long[ExactBelow + (MaxShift * SubBuckets)];

    public long Count { get; private set; }

    public long MaxMicroseconds { get; private set; }

    public void Record(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, (1L << 40) - 1);
        _counts[Index(value)]++;
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
    public long PercentileMicroseconds(double percent)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(Count * percent / 100));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(UpperBound(i), MaxMicroseconds);
            }
        }

        return MaxMicroseconds;
    }

    private static int Index(long value)
    {
        if (value < ExactBelow)
        {
            return (int)value;
        }

        var shift = BitOperations.Log2((ulong)value) - SubBucketBits;
        return ExactBelow + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    private static long UpperBound(int index)
    {
        if (index < ExactBelow)
        {
            return index;
        }

        var offset = index - ExactBelow;
        var shift = (offset / SubBuckets) + 1;
        var mantissa = (long)(offset % SubBuckets) + SubBuckets;
        return ((mantissa + 1) << shift) - 1;
    }
}
