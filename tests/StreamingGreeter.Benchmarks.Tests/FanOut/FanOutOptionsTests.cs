using StreamingGreeter.FanOut;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class FanOutOptionsTests
{
    [Fact]
    public void Parse_ReportWithItsOwnOptions_TakesThem()
    {
        var options = FanOutOptions.Parse(["--report", "--timeout", "900", "--server-arg", "--Hub:HistorySize=0"]);

        Assert.True(options.Report);
        Assert.Equal(TimeSpan.FromSeconds(900), options.Timeout);
        Assert.Equal(["--Hub:HistorySize=0"], options.ServerArgs);
    }

    [Fact]
    public void Parse_ReportWithARunsShape_RefusesNamingWhatItWouldIgnore()
    {
        var error = Assert.Throws<ArgumentException>(() => FanOutOptions.Parse(["--subscribers", "10", "--report", "--server", "bare"]));

        Assert.Equal("--report runs its own fixed set of runs; only --timeout and --server-arg apply to it, not --subscribers, --server", error.Message);
    }
}
