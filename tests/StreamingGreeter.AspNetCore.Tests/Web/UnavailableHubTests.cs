using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>While the hub's backplane cannot be reached, the web routes refuse with 503 and a JSON body saying why.</summary>
public sealed class UnavailableHubTests
{
    [Fact]
    public async Task Events_BackplaneUnreachable_503WithProblemSayingUnavailable()
    {
        await using var server = await StartWithUnreachableRedisAsync();

        using var events = await server.OpenAsync($"/rooms/{Rooms.Unique()}/events");
        var problem = events.Problem();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, events.Status);
        Assert.Equal("UNAVAILABLE", problem.GetProperty("code").GetString());
        Assert.Contains("Redis", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Publish_BackplaneUnreachable_503WithJsonBodySayingUnavailable()
    {
        await using var server = await StartWithUnreachableRedisAsync();

        using var response = await server.Http.PostAsync(
            $"/rooms/{Rooms.Unique()}/events",
            new StringContent("""{"sender":"ann","text":"hi"}""", Encoding.UTF8, "application/json")).DefaultTimeout();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().DefaultTimeout());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal((int)Grpc.Core.StatusCode.Unavailable, body.RootElement.GetProperty("code").GetInt32());
        Assert.Contains("Redis", body.RootElement.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The Redis hub, pointed at a loopback port nothing listens on: it keeps trying in the background.</summary>
    private static Task<WebServer> StartWithUnreachableRedisAsync()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return WebServer.StartAsync(services => services.AddRedisBroadcastHub(redis => redis.Configuration = $"127.0.0.1:{port},connectTimeout=500"));
    }
}
