using System.Numerics;

namespace StreamingGreeter.Client.Load;

/// <summary>
/// Latencies in microseconds, counted in fixed log-linear buckets (exact below 64 µs, then 32 buckets per power of two,
/// so within about 3 %), safe to record from many threads at once without a lock or an allocation.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBelow = SubBuckets * 2;
    private const int MaxShift = 40 - SubBucketBits;

    private readonly long[] _counts = new long[ExactBelow + (MaxShift * SubBuckets)];
    private long _max;

    public long MaxMicroseconds => Volatile.Read(ref _max);

    /// <summary>How many latencies were recorded.</summary>
    public long Count => _counts.Sum();

    public void Record(long microseconds)
    {
        var value = Math.Clamp(microseconds, 0, (1L << 40) - 1);
        Interlocked.Increment(ref _counts[Index(value)]);
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

        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(total * percent / 100));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
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
