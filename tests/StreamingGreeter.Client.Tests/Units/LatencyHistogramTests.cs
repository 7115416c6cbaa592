using StreamingGreeter.Client.Load;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>The load command's latencies: exact below 64 µs, within about 3 % above, percentiles as bucket upper ends.</summary>
public sealed class LatencyHistogramTests
{
    private const long MaxRecordable = (1L << 40) - 1;

    [Fact]
    public void Empty_ZeroCountZeroPercentiles()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal(0, histogram.Count);
        Assert.Equal(0, histogram.MaxMicroseconds);
        Assert.Equal(0, histogram.PercentileMicroseconds(50));
        Assert.Equal(0, histogram.PercentileMicroseconds(100));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(50, 25)]
    [InlineData(90, 45)]
    [InlineData(99, 50)]
    [InlineData(100, 50)]
    public void Percentile_SmallValues_Exact(double percent, long expected)
    {
        var histogram = new LatencyHistogram();
        for (var value = 1; value <= 50; value++)
        {
            histogram.Record(value);
        }

        Assert.Equal(50, histogram.Count);
        Assert.Equal(expected, histogram.PercentileMicroseconds(percent));
    }

    [Theory]
    [InlineData(50, 101)]
    [InlineData(90, 101)]
    [InlineData(91, 10_000)]
    [InlineData(99.9, 10_000)]
    public void Percentile_TwoClusters_UpperEndOfTheBucketNeverAboveTheMax(double percent, long expected)
    {
        // 100 µs falls in the bucket 100–101; 10,000 µs in 9,984–10,239, whose upper end the maximum caps.
        var histogram = new LatencyHistogram();
        for (var i = 0; i < 90; i++)
        {
            histogram.Record(100);
        }

        for (var i = 0; i < 10; i++)
        {
            histogram.Record(10_000);
        }

        Assert.Equal(expected, histogram.PercentileMicroseconds(percent));
        Assert.Equal(10_000, histogram.MaxMicroseconds);
    }

    [Fact]
    public void Percentile_LargeValue_WithinThreePercentAbove()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1_000);
        histogram.Record(1_010);

        // 1,000 µs is counted in the bucket 992–1,007.
        Assert.Equal(1_007, histogram.PercentileMicroseconds(50));
        Assert.Equal(1_010, histogram.PercentileMicroseconds(100));
    }

    [Theory]
    [InlineData(63, 63)]
    [InlineData(64, 65)]
    [InlineData(65, 65)]
    [InlineData(127, 127)]
    [InlineData(128, 131)]
    [InlineData(4_095, 4_095)]
    [InlineData(4_096, 4_223)]
    public void Percentile_AtBucketEdges_UpperEndOfItsBucket(long value, long upperEnd)
    {
        var histogram = new LatencyHistogram();
        histogram.Record(value);
        // A larger maximum, so that the bucket's own upper end shows.
        histogram.Record(MaxRecordable);

        Assert.Equal(upperEnd, histogram.PercentileMicroseconds(50));
    }

    [Fact]
    public void Record_Negative_CountedAsZero()
    {
        var histogram = new LatencyHistogram();

        histogram.Record(-5);

        Assert.Equal(1, histogram.Count);
        Assert.Equal(0, histogram.MaxMicroseconds);
        Assert.Equal(0, histogram.PercentileMicroseconds(100));
    }

    [Fact]
    public void Record_BeyondTheRange_ClampedToTheLargestRecordable()
    {
        var histogram = new LatencyHistogram();

        histogram.Record(long.MaxValue);
        histogram.Record(MaxRecordable + 1);

        Assert.Equal(2, histogram.Count);
        Assert.Equal(MaxRecordable, histogram.MaxMicroseconds);
        Assert.Equal(MaxRecordable, histogram.PercentileMicroseconds(50));
    }

    [Fact]
    public async Task Record_FromManyThreads_EveryValueCountedOnce()
    {
        // The histogram has no merge: every subscriber records into the one histogram of the run, from its own thread.
        const int Threads = 4;
        const int PerThread = 10_000;
        var histogram = new LatencyHistogram();
        using var start = new Barrier(Threads);

        await Task.WhenAll(Enumerable.Range(0, Threads).Select(thread => Task.Run(() =>
        {
            start.SignalAndWait();
            for (var i = 1; i <= PerThread; i++)
            {
                histogram.Record((thread * PerThread) + i);
            }
        }))).DefaultTimeout();

        Assert.Equal(Threads * PerThread, histogram.Count);
        Assert.Equal(Threads * PerThread, histogram.MaxMicroseconds);
        Assert.Equal(Threads * PerThread, histogram.PercentileMicroseconds(100));
        // The median, 20,000 µs, lies in the bucket 19,968–20,479.
        Assert.Equal(20_479, histogram.PercentileMicroseconds(50));
    }
}
