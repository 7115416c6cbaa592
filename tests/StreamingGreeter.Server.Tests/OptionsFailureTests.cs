namespace StreamingGreeter.Server.Tests;

/// <summary>
/// The host's start-up output when an options value is out of range or not of its type: one line naming the key and
/// the value.
/// </summary>
public sealed class OptionsFailureTests
{
    [Theory]
    // Out of its range, and not of its type at all.
    [InlineData("--Hub:SubscriberBufferCapacity=0", "Hub:SubscriberBufferCapacity", "Hub:SubscriberBufferCapacity is 0: it must be between 1 and 1000000")]
    [InlineData("--Greeter:MaxEventBytes=lots", "Greeter:MaxEventBytes", "Failed to convert configuration value 'lots' at 'Greeter:MaxEventBytes' to type 'System.Int32'.")]
    public async Task ServerProcess_BadValue_ExitsOneWithOneLineNamingKeyAndValue(string setting, string key, string line)
    {
        await using var server = GreeterServer.StartProcess(setting);

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        var failure = Assert.Single(server.Output.Lines, output => output.Contains(key, StringComparison.Ordinal));
        Assert.EndsWith(line, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerProcess_TwoValuesOutOfRange_OneLineEach()
    {
        await using var server = GreeterServer.StartProcess("--Greeter:MaxConnections=0", "--Greeter:ConnectionPrefaceTimeout=00:00:00");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Single(server.Output.Lines, static line => line.EndsWith("Greeter:MaxConnections is 0: it must be between 1 and 1000000", StringComparison.Ordinal));
        Assert.Single(server.Output.Lines, static line => line.EndsWith("Greeter:ConnectionPrefaceTimeout is 00:00:00: it must be between 00:00:00.1 and 00:10:00", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerProcess_ValueCheckedAtStartOutOfRange_OneLineWithoutTheHostsStackTrace()
    {
        // Unlike the hub's options, nothing resolves the Auth section before the host starts.
        await using var server = GreeterServer.StartProcess("--Auth:ClockSkew=01:00:00");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Single(server.Output.Lines, static line => line.EndsWith("Auth:ClockSkew is 01:00:00: it must be between 00:00:00 and 00:05:00", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", server.Transcript, StringComparison.Ordinal);
        Assert.DoesNotContain("Hosting failed to start", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerProcess_OtherStartFailure_KeepsItsStackTrace()
    {
        await using var server = GreeterServer.StartProcess("--Metrics:PrometheusUrl=ftp://127.0.0.1/metrics");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Contains("Metrics:PrometheusUrl \"ftp://127.0.0.1/metrics\" must be an absolute http:// URL", server.Transcript, StringComparison.Ordinal);
        Assert.Contains("   at ", server.Transcript, StringComparison.Ordinal);
    }
}
