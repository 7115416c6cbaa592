using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>With Auth:Mode Jwt, the event stream takes the tokens and room grants Subscribe takes.</summary>
public sealed class EventStreamSecurityTests
{
    private static readonly DateTimeOffset ClockStart = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Events_NoToken_401NamingTheHeaderAndTheQueryParameter()
    {
        await using var server = await WebServer.StartAsync(TestTokens.Settings());

        using var events = await server.OpenAsync($"/rooms/{Rooms.Unique()}/events");
        var problem = events.Problem();

        Assert.Equal(HttpStatusCode.Unauthorized, events.Status);
        Assert.Equal("Bearer", Assert.Single(events.Response.Headers.WwwAuthenticate).Scheme);
        Assert.Equal("UNAUTHENTICATED", problem.GetProperty("code").GetString());
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("access_token", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_BadToken_401SayingWhy()
    {
        await using var server = await WebServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var forged = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = room }, signing: TestTokens.Hmac("another secret that is long enough for HS256"));

        using var events = await server.OpenAsync($"/rooms/{room}/events?access_token={forged}");

        Assert.Equal(HttpStatusCode.Unauthorized, events.Status);
        Assert.Equal("bad signature: the token was not signed with this server's key", events.Problem().GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Events_TokenWithoutGrant_403NamingTheRoom()
    {
        await using var server = await WebServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();

        using var events = await server.OpenAsync($"/rooms/{room}/events", request =>
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.ForRooms("ann", "elsewhere")));
        var problem = events.Problem();

        Assert.Equal(HttpStatusCode.Forbidden, events.Status);
        Assert.Equal("PERMISSION_DENIED", problem.GetProperty("code").GetString());
        Assert.Contains($"may not subscribe to room \"{room}\"", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Events_AccessTokenQueryParameter_AuthenticatesAndIsNeverLogged()
    {
        await using var server = await WebServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);

        using (var events = await server.OpenAsync($"/rooms/{room}/events?access_token={token}"))
        {
            await events.ReadAsync("epoch");
            await server.Client.PublishAsync(new StreamingGreeter.Protos.PublishRequest { Room = room, Text = "hi" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
            var message = await events.ReadAsync("message");
            Assert.Equal("ann", message.ChatEvent.Sender);
        }

        // Everything the library logs, at every level (an app that keeps the hosting diagnostics would log the URL).
        Assert.DoesNotContain(server.Logs.Everything, line => line.Contains(token, StringComparison.Ordinal) && !line.Contains("Microsoft.AspNetCore.Hosting.Diagnostics", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_TokenExpires_StreamEndsWithErrorEventUnauthenticated()
    {
        var clock = new FakeTimeProvider(ClockStart);
        await using var server = await WebServer.StartAsync(services => services.AddSingleton<TimeProvider>(clock), TestTokens.Settings());
        var room = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = room }, lifetime: TimeSpan.FromMinutes(5), issuedAt: clock.GetUtcNow());
        using var events = await server.OpenAsync($"/rooms/{room}/events?access_token={token}");
        await events.ReadAsync("epoch");

        clock.Advance(TimeSpan.FromMinutes(6));
        var error = await events.ReadAsync("error");

        Assert.Equal("UNAUTHENTICATED", error.Json.GetProperty("code").GetString());
        Assert.StartsWith($"token expired at {ClockStart.AddMinutes(5):yyyy-MM-ddTHH:mm:ssZ}", error.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Null(await events.ReadAsync());
    }
}
