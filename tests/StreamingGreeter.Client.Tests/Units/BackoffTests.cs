using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>The waits between reconnects: doubling from the first, capped, each scaled by a jitter factor in [½, 1).</summary>
public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(1);

    [Theory]
    [InlineData(0, 75)]
    [InlineData(1, 150)]
    [InlineData(2, 300)]
    [InlineData(3, 600)]
    [InlineData(4, 750)]
    [InlineData(5, 750)]
    public void Delay_ByFailures_DoublesThenCapsAtMax(int failures, double milliseconds)
    {
        // A draw of 0.5 is a factor of 0.75: 100 ms × 2ⁿ × 0.75, until 1 s × 0.75.
        var backoff = new Backoff(Initial, Max, new FixedRandom(0.5));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), backoff.Delay(failures));
    }

    [Theory]
    [InlineData(31)]
    [InlineData(1_000)]
    [InlineData(int.MaxValue)]
    public void Delay_ManyFailures_StaysAtTheCap(int failures)
    {
        var backoff = new Backoff(Initial, Max, new FixedRandom(0.5));

        Assert.Equal(TimeSpan.FromMilliseconds(750), backoff.Delay(failures));
    }

    [Fact]
    public void Delay_LowestDraw_IsHalfTheCeiling()
    {
        var backoff = new Backoff(Initial, Max, new FixedRandom(0));

        Assert.Equal(TimeSpan.FromMilliseconds(50), backoff.Delay(0));
        Assert.Equal(TimeSpan.FromMilliseconds(500), backoff.Delay(10));
    }

    [Fact]
    public void Delay_HighestDraw_StaysBelowTheCeiling()
    {
        var backoff = new Backoff(Initial, Max, new FixedRandom(Math.BitDecrement(1.0)));

        Assert.InRange(backoff.Delay(0), TimeSpan.FromMilliseconds(99.999), TimeSpan.FromMilliseconds(100));
        Assert.InRange(backoff.Delay(10), TimeSpan.FromMilliseconds(999.999), Max);
    }

    [Fact]
    public void Delay_RealRandom_AlwaysWithinHalfTheCeilingAndTheCeiling()
    {
        var backoff = new Backoff(Initial, Max, new Random(1234));

        for (var failures = 0; failures < 8; failures++)
        {
            var ceiling = TimeSpan.FromMilliseconds(Math.Min(1000, 100 * Math.Pow(2, failures)));
            for (var draw = 0; draw < 200; draw++)
            {
                Assert.InRange(backoff.Delay(failures), ceiling / 2, ceiling);
            }
        }
    }

    [Fact]
    public void Default_StartsAtAQuarterSecondAndCapsAtEightSeconds()
    {
        var backoff = Backoff.Default();

        Assert.InRange(backoff.Delay(0), TimeSpan.FromMilliseconds(125), TimeSpan.FromMilliseconds(250));
        Assert.InRange(backoff.Delay(20), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));
    }
}
