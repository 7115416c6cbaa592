using System.Net;
using System.Net.Sockets;

namespace StreamingGreeter.Server.Tests;

/// <summary>Metrics:PrometheusUrl: the host serves the StreamingGreeter meter for scraping.</summary>
public sealed class PrometheusTests
{
    [Fact]
    public async Task PrometheusUrl_Configured_ServesTheMeterOnItsOwnHttp1Listener()
    {
        var port = FreePort();
        await using var server = await GreeterServer.StartAsync(0, $"--Metrics:PrometheusUrl=http://127.0.0.1:{port}/metrics");
        await server.PublishAsync(Rooms.Unique(), "ann", "x");
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version11 };

        var body = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics")).DefaultTimeout();

        Assert.Contains("streaminggreeter_events_published", body, StringComparison.Ordinal);
        Assert.Contains("streaminggreeter_rooms", body, StringComparison.Ordinal);
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
