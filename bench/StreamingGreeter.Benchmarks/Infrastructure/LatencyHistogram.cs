using System.Diagnostics;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>Latencies in 10 µs buckets up to 1 s (beyond: one overflow bucket), recorded from many threads without a lock.</summary>
public sealed class LatencyHistogram
{
    private const long BucketMicroseconds = 10;
    private const int Buckets = 100_000;

    private readonly long[] _counts = new long[Buckets + 1];

    public void Record(long stopwatchTicks)
    {
        var microseconds = stopwatchTicks * 1_000_000 / Stopwatch.Frequency;
        var bucket = (int)Math.Clamp(microseconds / BucketMicroseconds, 0, Buckets);
        Interlocked.Increment(ref _counts[bucket]);
    }

    public long Count => _counts.Sum();

    public void Reset() => Array.Clear(_counts);

    /// <summary>The upper edge of the bucket holding the given percentile, in milliseconds; NaN when empty.</summary>
    public double PercentileMilliseconds(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        var wanted = (long)Math.Ceiling(total * percentile / 100);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= wanted)
            {
                return (i + 1) * BucketMicroseconds / 1000.0;
            }
        }

        return double.PositiveInfinity;
    }
}
