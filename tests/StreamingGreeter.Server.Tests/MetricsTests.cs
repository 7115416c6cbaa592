using System.Net;
using System.Net.Sockets;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Tests.Infrastructure;

namespace StreamingGreeter.Server.Tests;

/// <summary>What operators see: the StreamingGreeter meter, and its Prometheus scrape endpoint when configured.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Meter_CallsAndRefusals_AreCountedByInstrumentAndReason()
    {
        await using var server = await TestServer.StartAsync("Hub:MaxSubscribersPerRoom=1");
        using var totals = new MeterTotals(server);
        var room = Rooms.Unique();

        using var subscriber = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await subscriber.ResponseHeadersAsync.DefaultTimeout();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }).ResponseAsync.DefaultTimeout();
        await subscriber.ResponseStream.ReadNextAsync();
        using var refused = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await refused.ResponseStream.ReadUntilErrorAsync();
        await server.Client.SayHelloAsync(new HelloRequest { Name = "" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(1, totals["streaminggreeter.events.published"]);
        Assert.Equal(1, totals["streaminggreeter.events.delivered"]);
        Assert.Equal(1, totals["streaminggreeter.requests.rejected[reason=subscribers_per_room]"]);
        Assert.Equal(1, totals["streaminggreeter.requests.rejected[reason=invalid_argument]"]);
    }

    [Fact]
    public async Task PrometheusUrl_Configured_ServesTheMeterOnItsOwnHttp1Listener()
    {
        var port = FreePort();
        await using var server = await TestServer.StartAsync($"Metrics:PrometheusUrl=http://127.0.0.1:{port}/metrics");
        var room = Rooms.Unique();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }).ResponseAsync.DefaultTimeout();
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version11 };

        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).DefaultTimeout();

        Assert.Contains("streaminggreeter_events_published", body, StringComparison.Ordinal);
        Assert.Contains("streaminggreeter_rooms", body, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
