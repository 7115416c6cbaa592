using System.Numerics;

namespace StreamingGreeter.Shared;

/// <summary>
/// The fixed log-linear buckets of the latency histograms (the client's load tool and the fan-out benchmark): exact
/// below 64 µs, then 32 buckets per power of two up to 2^40 µs, so a bucket's upper end is within about 3 % of any
/// value in it. One definition, so that both report the same percentiles for the same latencies.
/// </summary>
internal static class LatencyBuckets
{
    private const int SubBucketBits = 5;
    private const int SubBuckets = 1 << SubBucketBits;
    private const int ExactBelow = SubBuckets * 2;
    private const int MaxShift = 40 - SubBucketBits;

    public const int Count = ExactBelow + (MaxShift * SubBuckets);

    /// <summary>The bucket of <paramref name="microseconds"/>, clamped to 0 – 2^40 − 1.</summary>
    public static int Index(long microseconds)
    {
        var value = Clamp(microseconds);
        if (value < ExactBelow)
        {
            return (int)value;
        }

        var shift = BitOperations.Log2((ulong)value) - SubBucketBits;
        return ExactBelow + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    public static long Clamp(long microseconds) => Math.Clamp(microseconds, 0, (1L << 40) - 1);

    /// <summary>The largest value bucket <paramref name="index"/> holds.</summary>
    public static long UpperBound(int index)
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

    /// <summary>The latency that <paramref name="percent"/> % of <paramref name="total"/> counted ones do not exceed; 0 when empty.</summary>
    public static long Percentile(ReadOnlySpan<long> counts, long total, long max, double percent)
    {
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
                return Math.Min(UpperBound(i), max);
            }
        }

        return max;
    }
}
