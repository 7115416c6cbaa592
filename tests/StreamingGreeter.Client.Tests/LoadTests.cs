using System.Text.Json;
using Grpc.Core;
using StreamingGreeter.Client.Tests.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Tests;

/// <summary><c>greeter load fanout</c> against a real server: figures that add up, missed events counted, bad options refused.</summary>
public sealed class LoadTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int Usage = 2;
    private const int Interrupted = 130;

    [Fact]
    public async Task Fanout_20Subscribers_DeliversEveryPublishToEach()
    {
        var result = await GreeterCli.RunAsync(["load", "fanout", "--subscribers", "20", "--publishers", "2", "--duration", "2", "--json", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal("fanout", report.GetProperty("type").GetString());
        Assert.Equal(20, report.GetProperty("subscribed").GetInt32());
        var publishes = report.GetProperty("publishes").GetInt64();
        Assert.True(publishes > 0, result.ToString());
        Assert.Equal(publishes * 20, report.GetProperty("expectedDeliveries").GetInt64());
        Assert.Equal(publishes * 20, report.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, report.GetProperty("missedEvents").GetInt64());
        Assert.Empty(report.GetProperty("errors").EnumerateObject());
        Assert.False(report.GetProperty("interrupted").GetBoolean());
        Assert.InRange(report.GetProperty("durationSeconds").GetDouble(), 1.9, 10);
        Assert.True(report.GetProperty("deliveriesPerSecond").GetDouble() > 0, result.ToString());

        var latency = report.GetProperty("latencyMs");
        var (p50, p90, p99, max) = (latency.GetProperty("p50").GetDouble(), latency.GetProperty("p90").GetDouble(), latency.GetProperty("p99").GetDouble(), latency.GetProperty("max").GetDouble());
        Assert.True(p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max, result.ToString());
        // Loopback on a busy machine: far below a second, never above the run itself.
        Assert.True(max < 10_000, result.ToString());
    }

    [Fact]
    public async Task Fanout_SubscribersOverflowTheirBuffers_CountsMissedEvents()
    {
        await using var server = await GreeterServer.StartAsync(0, "--Hub:SubscriberBufferCapacity=1", "--Hub:SlowSubscriberPolicy=DropOldest");

        // Slow readers and 1 KB events: flow control fills, the server's one-event buffers overflow and drop the oldest.
        var result = await GreeterCli.RunAsync(["load", "fanout", "--subscribers", "20", "--publishers", "2", "--duration", "2", "--read-delay", "20", "--size", "1000", "--json", "--address", server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        var missed = report.GetProperty("missedEvents").GetInt64();
        var deliveries = report.GetProperty("deliveries").GetInt64();
        Assert.True(missed > 0, result.ToString());
        // DropOldest never drops the newest, the end marker: every publish was either delivered or seen missing.
        Assert.Equal(report.GetProperty("expectedDeliveries").GetInt64(), deliveries + missed);
        Assert.Empty(report.GetProperty("errors").EnumerateObject());
    }

    [Fact]
    public async Task Fanout_Rate_PacesThePublishers()
    {
        var result = await GreeterCli.RunAsync(["load", "fanout", "--subscribers", "2", "--publishers", "2", "--rate", "20", "--duration", "2", "--json", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        // 20 a second for 2 seconds: each publisher's first publish at once, the rest paced (a slow call is caught up on).
        Assert.InRange(report.GetProperty("publishes").GetInt64(), 20, 42);
        Assert.Equal(report.GetProperty("expectedDeliveries").GetInt64(), report.GetProperty("deliveries").GetInt64());
    }

    [Fact]
    public async Task Fanout_CtrlC_StopsAndPrintsWhatWasMeasured()
    {
        var room = Rooms.Unique();
        using var watch = fixture.Server.Client.Subscribe(new SubscribeRequest { Room = room });
        await watch.ResponseHeadersAsync.DefaultTimeout();
        await using var process = GreeterCli.Start(["load", "fanout", "--subscribers", "5", "--duration", "600", "--room", room, "--json", "--address", fixture.Server.Address]);

        // Publishing has begun once a timed message (after the start marker) reaches the room.
        while (await watch.ResponseStream.MoveNext().DefaultTimeout() && !char.IsAsciiDigit(watch.ResponseStream.Current.Text[0]))
        {
        }

        process.Signal(Signals.Interrupt);

        Assert.Equal(Interrupted, await process.WaitForExitAsync());
        var report = JsonDocument.Parse(Assert.Single(process.Output.Lines)).RootElement;
        Assert.True(report.GetProperty("interrupted").GetBoolean());
        Assert.True(report.GetProperty("publishes").GetInt64() > 0, process.Output.Text);
        Assert.Equal(5, report.GetProperty("subscribed").GetInt32());
    }

    [Fact]
    public async Task Fanout_CtrlCWhilePublishesAreInFlight_CountsEveryPublishTheRoomHad()
    {
        var room = Rooms.Unique();
        using var watch = fixture.Server.Client.Subscribe(new SubscribeRequest { Room = room });
        await watch.ResponseHeadersAsync.DefaultTimeout();
        // Many publishers: whenever Ctrl+C comes, dozens of publishes are on their way, some already in the room.
        await using var process = GreeterCli.Start(["load", "fanout", "--subscribers", "5", "--publishers", "32", "--duration", "600", "--room", room, "--json", "--address", fixture.Server.Address]);

        // The room's own numbering: the start marker, then every timed publish of this run.
        long start = 0;
        long lastSeen = 0;
        while (lastSeen - start < 200 && await watch.ResponseStream.MoveNext().DefaultTimeout())
        {
            var item = watch.ResponseStream.Current;
            if (item.Text == "fanout start")
            {
                start = item.Sequence;
            }

            lastSeen = item.Sequence;
        }

        process.Signal(Signals.Interrupt);

        Assert.Equal(Interrupted, await process.WaitForExitAsync());
        var report = JsonDocument.Parse(Assert.Single(process.Output.Lines)).RootElement;
        var publishes = report.GetProperty("publishes").GetInt64();
        var deliveries = report.GetProperty("deliveries").GetInt64();
        Assert.True(report.GetProperty("interrupted").GetBoolean());
        Assert.Equal(5, report.GetProperty("subscribed").GetInt32());
        Assert.True(start > 0, process.Output.Text);
        // Everything the room numbered before Ctrl+C was published by this run, answered or not.
        Assert.True(publishes >= lastSeen - start, $"publishes {publishes}, the room had {lastSeen - start} before Ctrl+C\n{process.Output.Text}");
        Assert.True(deliveries > 0, process.Output.Text);
        Assert.Equal(publishes * 5, report.GetProperty("expectedDeliveries").GetInt64());
        Assert.True(deliveries <= publishes * 5, $"deliveries {deliveries} of {publishes} publishes to 5 subscribers\n{process.Output.Text}");
    }

    [Theory]
    [InlineData("--subscribers", "0")]
    [InlineData("--subscribers", "20001")]
    [InlineData("--publishers", "0")]
    [InlineData("--publishers", "65")]
    [InlineData("--duration", "0")]
    [InlineData("--duration", "-1")]
    [InlineData("--duration", "3601")]
    [InlineData("--rate", "0")]
    [InlineData("--size", "5000")]
    public async Task Fanout_OptionOutOfBounds_ExitsUsageNamingIt(string option, string value)
    {
        var result = await GreeterCli.RunAsync(["load", "fanout", option, value, "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.Empty(result.Output);
        Assert.StartsWith($"error: {option} must be", result.Error[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fanout_NoServer_ExitsUnavailable()
    {
        var result = await GreeterCli.RunAsync(["load", "fanout", "--subscribers", "3", "--duration", "1", "--address", "http://127.0.0.1:1"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal(["error: no server at http://127.0.0.1:1 — is it running?"], result.Error);
    }
}
