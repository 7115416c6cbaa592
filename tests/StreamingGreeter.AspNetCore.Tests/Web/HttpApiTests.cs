using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>The HTTP API greeter.proto declares, served by JSON transcoding, as curl or fetch would call it.</summary>
public sealed class HttpApiTests
{
    [Fact]
    public async Task Publish_PostJsonToRoomEvents_RepliesSequenceAndEpochAndGrpcSubscriberReceivesIt()
    {
        await using var web = await WebApp.StartAsync();
        var room = Rooms.Unique();
        using var subscription = web.GrpcClient().Subscribe(new SubscribeRequest { Room = room });
        var headers = await subscription.ResponseHeadersAsync.DefaultTimeout();

        using var response = await web.HttpClient().PostAsJsonAsync($"/rooms/{room}/events", new { sender = "ann", text = "from curl", message_id = "m-1" }).DefaultTimeout();
        var reply = await ReadJsonAsync(response);
        var received = await subscription.ResponseStream.ReadNextAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        // A JSON number, not protobuf's default string for an int64, so that a script can compare it as it is.
        Assert.Equal(JsonValueKind.Number, reply.GetProperty("sequence").ValueKind);
        Assert.Equal(1, reply.GetProperty("sequence").GetInt64());
        Assert.Equal(headers.GetValue(SubscribeHeaders.Epoch), reply.GetProperty("epoch").GetString());
        Assert.Equal(("ann", "from curl", 1L, "m-1"), (received.Sender, received.Text, received.Sequence, received.MessageId));
    }

    [Fact]
    public async Task Publish_SameMessageIdPostedTwice_RepliesTheOriginalSequence()
    {
        await using var web = await WebApp.StartAsync();
        var room = Rooms.Unique();
        var http = web.HttpClient();

        using var first = await http.PostAsJsonAsync($"/rooms/{room}/events", new { text = "once", messageId = "retry-1" }).DefaultTimeout();
        using var again = await http.PostAsJsonAsync($"/rooms/{room}/events", new { text = "once", message_id = "retry-1" }).DefaultTimeout();

        Assert.Equal(1, (await ReadJsonAsync(first)).GetProperty("sequence").GetInt64());
        Assert.Equal(1, (await ReadJsonAsync(again)).GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task SayHello_GetHelloName_AnswersJson()
    {
        await using var web = await WebApp.StartAsync();

        using var response = await web.HttpClient().GetAsync("/hello/Ada").DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Hello, Ada", (await ReadJsonAsync(response)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Publish_BadRoom_400WithJsonBodyNamingRoomAndPattern()
    {
        await using var web = await WebApp.StartAsync();

        using var response = await web.HttpClient().PostAsJsonAsync("/rooms/no%20spaces/events", new { text = "x" }).DefaultTimeout();
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(3, body.GetProperty("code").GetInt32());
        var message = body.GetProperty("message").GetString();
        Assert.Contains("room \"no spaces\" is invalid", message, StringComparison.Ordinal);
        Assert.Contains("^[A-Za-z0-9._:-]{1,64}$", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_TextOverLimit_400NamingTextAndLimit()
    {
        await using var web = await WebApp.StartAsync();

        using var response = await web.HttpClient().PostAsJsonAsync($"/rooms/{Rooms.Unique()}/events", new { text = new string('x', 65537) }).DefaultTimeout();
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text is 65537 bytes: at most 65536 (Greeter:MaxEventBytes)", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Publish_PostJsonWithBase64DataAndContentType_GrpcSubscriberGetsTheBytes()
    {
        await using var web = await WebApp.StartAsync();
        var room = Rooms.Unique();
        using var subscription = web.GrpcClient().Subscribe(new SubscribeRequest { Room = room });
        await subscription.ResponseHeadersAsync.DefaultTimeout();

        // 0x00 0xFF 0x80: base64 as protobuf's JSON mapping reads bytes.
        using var response = await web.HttpClient().PostAsJsonAsync($"/rooms/{room}/events", new { sender = "ann", data = "AP+A", content_type = "application/octet-stream" }).DefaultTimeout();
        var reply = await ReadJsonAsync(response);
        var received = await subscription.ResponseStream.ReadNextAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, reply.GetProperty("sequence").GetInt64());
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x80 }, received.Data.ToByteArray());
        Assert.Equal(("ann", "", "application/octet-stream"), (received.Sender, received.Text, received.ContentType));
    }

    [Fact]
    public async Task Publish_PostJsonWith64KiBOfBase64Data_IsAccepted()
    {
        await using var web = await WebApp.StartAsync();

        // Base64 makes 64 KiB nearly 88 KB of JSON: the limit is on the bytes it decodes to.
        using var response = await web.HttpClient().PostAsJsonAsync($"/rooms/{Rooms.Unique()}/events", new { data = Convert.ToBase64String(new byte[64 * 1024]) }).DefaultTimeout();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Publish_PostJsonOfManyMegabytes_RefusedByTheBodyLimitNotTheServiceAndServerKeepsServing()
    {
        await using var web = await WebApp.StartAsync();
        var http = web.HttpClient();
        var room = Rooms.Unique();

        // As curl sends a large body: Expect: 100-continue, so the refusal is read before the body would be sent.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{room}/events") { Content = JsonContent.Create(new { text = new string('x', 8 * 1024 * 1024) }) };
        request.Headers.ExpectContinue = true;
        await request.Content.LoadIntoBufferAsync().DefaultTimeout();
        using var response = await http.SendAsync(request).DefaultTimeout();
        var body = await response.Content.ReadAsStringAsync().DefaultTimeout();

        // The body limit, not the service (whose refusal names Greeter:MaxEventBytes): JSON transcoding reports it as
        // INVALID_ARGUMENT, with the limit in bytes: 4/3 of
        // Greeter:MaxReceiveMessageSize (base64) and 4 KiB more.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Request body too large", body, StringComparison.Ordinal);
        Assert.Contains($"{(128 * 1024 * 4 / 3) + 4096} bytes", body, StringComparison.Ordinal);
        Assert.DoesNotContain("Greeter:MaxEventBytes", body, StringComparison.Ordinal);
        using var next = await http.PostAsJsonAsync($"/rooms/{room}/events", new { text = "small" }).DefaultTimeout();
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task Publish_OverPublishRate_429WithJsonBodyNamingTheLimit()
    {
        const int PerSecond = 2;
        await using var web = await WebApp.StartAsync(static greeter => greeter.Services.Configure<StreamingGreeterOptions>(static options => options.PublishesPerSecond = PerSecond));
        var room = Rooms.Unique();
        var http = web.HttpClient();

        HttpResponseMessage? refused = null;
        // The bucket holds one second's worth; however slow this loop, it cannot refill faster than that.
        for (var i = 0; i < 4 * PerSecond && refused is null; i++)
        {
            var response = await http.PostAsJsonAsync($"/rooms/{room}/events", new { text = "x" }).DefaultTimeout();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                response.Dispose();
                continue;
            }

            refused = response;
        }

        Assert.NotNull(refused);
        using (refused)
        {
            var body = await ReadJsonAsync(refused);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal(8, body.GetProperty("code").GetInt32());
            Assert.Contains("Greeter:PublishesPerSecond", body.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Publish_JwtModeWithoutToken_401WithReason()
    {
        await using var web = await StartJwtAsync();

        using var response = await web.HttpClient().PostAsJsonAsync($"/rooms/{Rooms.Unique()}/events", new { text = "x" }).DefaultTimeout();
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(16, body.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task Publish_JwtModeTokenWithoutTheRoom_403NamingTheRoom()
    {
        await using var web = await StartJwtAsync();
        var room = Rooms.Unique();

        using var response = await PostWithTokenAsync(web, room, TestTokens.ForRooms("ann", "elsewhere"));
        var body = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(7, body.GetProperty("code").GetInt32());
        Assert.Contains(room, body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_JwtModeBearerTokenGrantingTheRoom_PublishesAsTheTokensName()
    {
        await using var web = await StartJwtAsync();
        var room = Rooms.Unique();
        using var subscription = web.GrpcClient().Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(TestTokens.ForRooms("bob", room)));
        await subscription.ResponseHeadersAsync.DefaultTimeout();

        using var response = await PostWithTokenAsync(web, room, TestTokens.ForRooms("ann", room));
        var received = await subscription.ResponseStream.ReadNextAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(("ann", "signed"), (received.Sender, received.Text));
    }

    private static Task<WebApp> StartJwtAsync() => WebApp.StartAsync(static greeter => greeter.AddJwtAuthentication(static auth =>
    {
        auth.Issuer = TestTokens.Issuer;
        auth.Audience = TestTokens.Audience;
        auth.SigningKey = TestTokens.Secret;
    }));

    private static async Task<HttpResponseMessage> PostWithTokenAsync(WebApp web, string room, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/rooms/{room}/events") { Content = JsonContent.Create(new { text = "signed" }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await web.HttpClient().SendAsync(request).DefaultTimeout();
    }

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync().DefaultTimeout();
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
