using StreamingGreeter.FanOut;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class DeliveryHistogramTests
{
    [Fact]
    public void Add_TwoHistograms_PercentilesOfBoth()
    {
        var first = new DeliveryHistogram();
        var second = new DeliveryHistogram();
        for (var i = 1; i <= 50; i++)
        {
            first.Record(i);
            second.Record(1000 + i);
        }

        first.Add(second);

        Assert.Equal(100, first.Count);
        Assert.Equal(1050, first.MaxMicroseconds);
        Assert.Equal(50, first.PercentileMicroseconds(50));
        // Above 64 µs a bucket spans about 3 %: the upper end of 1049's.
        Assert.InRange(first.PercentileMicroseconds(99), 1049, 1050);
    }
}
