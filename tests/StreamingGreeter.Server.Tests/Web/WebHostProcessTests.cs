using StreamingGreeter.Server.Tests.Infrastructure;
using System.Net;
using System.Text.RegularExpressions;
using StreamingGreeter.Protos;


namespace StreamingGreeter.Server.Tests.Web;

/// <summary>The standalone server's web endpoint (Web:Urls), beside its gRPC endpoint, as an operator runs it.</summary>
[Collection(IsolatedCollection.Name)]
public sealed partial class WebHostProcessTests
{
    [Fact]
    public async Task Host_WebUrls_EventsOnTheirOwnEndpointEndingWithUnavailableAndTheAccessTokenNeverLogged()
    {
        string[] settings =
        [
            "--Web:Urls=http://127.0.0.1:0",
            "--Web:AllowedOrigins:0=https://chat.example",
            // Everything the server logs, so that the check below covers every category it keeps.
            "--Serilog:MinimumLevel:Default=Verbose",
            .. TestTokens.Settings().Select(static setting => "--" + setting),
        ];
        await using var server = await GreeterServer.StartAsync(0, settings);
        var line = await server.Log.WaitForAsync(static l => WebEndpointLine().IsMatch(l), "the web endpoint's line");
        var web = new Uri($"http://127.0.0.1:{WebEndpointLine().Match(server.Log.Lines[line]).Groups[1].Value}");
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);
        using var http = new HttpClient { BaseAddress = web, Timeout = Timeout.InfiniteTimeSpan };

        using var response = await http.GetAsync($"/rooms/{room}/events?access_token={token}", HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        using var events = await EventStream.OpenAsync(response);
        await events.ReadAsync("epoch");
        var reply = await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "to the browser" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        var message = await events.ReadAsync("message");
        using var onGrpcPort = await GetHttp2Async(new Uri($"{server.Address}/rooms/{room}/events"));
        server.Terminate();
        var error = await events.ReadAsync("error");
        var exitCode = await server.WaitForExitAsync();

        Assert.NotEqual(web.Port, server.Port);
        Assert.Equal($"{reply.Epoch}:{reply.Sequence}", message.Id);
        Assert.Equal("ann", message.ChatEvent.Sender);
        Assert.Equal(HttpStatusCode.NotFound, onGrpcPort.StatusCode);
        Assert.Equal("UNAVAILABLE", error.Json.GetProperty("code").GetString());
        Assert.Equal(0, exitCode);
        Assert.DoesNotContain(token, server.Transcript, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetHttp2Async(Uri address)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, address) { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        return await client.SendAsync(request).DefaultTimeout();
    }

    // e.g. "StreamingGreeter web endpoint on http://127.0.0.1:41235".
    [GeneratedRegex(@"StreamingGreeter web endpoint on http://127\.0\.0\.1:(\d+)")]
    private static partial Regex WebEndpointLine();
}
