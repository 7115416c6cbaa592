using System.Net;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>Pages of the origins in Web:AllowedOrigins may use the web routes from a browser; others may not.</summary>
public sealed class CorsTests
{
    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_AllowsIt()
    {
        await using var server = await WebServer.StartAsync("Web:AllowedOrigins:0=https://chat.example");

        using var response = await PreflightAsync(server, "https://chat.example");

        Assert.True(response.IsSuccessStatusCode, $"preflight answered {(int)response.StatusCode}");
        Assert.Equal("https://chat.example", Assert.Single(response.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("GET", response.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_Refused()
    {
        await using var server = await WebServer.StartAsync("Web:AllowedOrigins:0=https://chat.example");

        using var response = await PreflightAsync(server, "https://evil.example");

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Publish_FromAnAllowedOrigin_PreflightAndPostAllowed()
    {
        await using var server = await WebServer.StartAsync("Web:AllowedOrigins:0=https://chat.example");
        var room = Rooms.Unique();

        using var preflight = await PreflightAsync(server, "https://chat.example", "POST", room);
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{room}/events")
        {
            Content = new StringContent("""{"sender":"ann","text":"from another origin"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        post.Headers.Add("Origin", "https://chat.example");
        using var published = await server.Http.SendAsync(post).DefaultTimeout();

        Assert.True(preflight.IsSuccessStatusCode, $"preflight answered {(int)preflight.StatusCode}");
        Assert.Equal("https://chat.example", Assert.Single(preflight.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("POST", preflight.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.Equal("https://chat.example", Assert.Single(published.Headers.GetValues("Access-Control-Allow-Origin")));
    }

    [Fact]
    public async Task AddWeb_OriginWithAPath_FailsAtStartNamingTheKey()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => WebServer.StartAsync("Web:AllowedOrigins:0=https://chat.example/app"));

        Assert.Contains("Web:AllowedOrigins:0 is \"https://chat.example/app\": it must be an origin", error.Message, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> PreflightAsync(WebServer server, string origin, string method = "GET", string? room = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Options, $"/rooms/{room ?? Rooms.Unique()}/events");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,last-event-id");
        return await server.Http.SendAsync(request).DefaultTimeout();
    }
}
