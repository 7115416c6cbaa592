using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Auth:Mode Jwt: which calls need a token, and the UNAUTHENTICATED reason for every way a token can be wrong.</summary>
public sealed class AuthenticationTests(JwtServerFixture fixture) : IClassFixture<JwtServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string> RoomCalls => ["Chat", "Subscribe", "Publish"];

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_NoToken_UnauthenticatedSayingSo(string call)
    {
        var error = await CallAsync(call, new Metadata());

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("no token: ", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_MalformedToken_UnauthenticatedSayingMalformed(string call)
    {
        var error = await CallAsync(call, TestTokens.Bearer("not-a-jwt"));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("malformed token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_NotABearerToken_UnauthenticatedSayingSo()
    {
        var error = await CallAsync("Publish", new Metadata { { "authorization", "Basic YW5uOnNlY3JldA==" } });

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("authorization metadata is not a bearer token", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_SignedWithAnotherKey_UnauthenticatedBadSignature(string call)
    {
        var token = TestTokens.Create("ann", Rooms("*"), signing: TestTokens.Hmac("another secret, just as long as the real one"));

        var error = await CallAsync(call, TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("bad signature", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_TamperedPayload_UnauthenticatedBadSignature()
    {
        var token = TestTokens.Create("ann", Rooms("*"));
        var other = TestTokens.Create("bob", Rooms("*"));
        // Ann's header and signature around Bob's claims.
        var parts = token.Split('.');
        var tampered = $"{parts[0]}.{other.Split('.')[1]}.{parts[2]}";

        var error = await CallAsync("Publish", TestTokens.Bearer(tampered));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("bad signature", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_ExpiredToken_UnauthenticatedSayingWhen(string call)
    {
        var token = TestTokens.Create("ann", Rooms("*"), lifetime: TimeSpan.FromMinutes(-2));

        var error = await CallAsync(call, TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Matches(@"^token expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_WrongAudience_UnauthenticatedNamingBoth()
    {
        var token = TestTokens.Create("ann", Rooms("*"), audience: "some-other-service");

        var error = await CallAsync("Publish", TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"wrong audience: token is for \"some-other-service\", this server accepts \"{TestTokens.Audience}\"", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_NoAudience_UnauthenticatedSayingItHasNone()
    {
        var token = TestTokens.Create("ann", Rooms("*"), audience: null);

        var error = await CallAsync("Publish", TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"token has no audience (aud claim): this server accepts \"{TestTokens.Audience}\"", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_WrongIssuer_UnauthenticatedNamingBoth()
    {
        var token = TestTokens.Create("ann", Rooms("*"), issuer: "https://evil.test");

        var error = await CallAsync("Publish", TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"wrong issuer: token is from \"https://evil.test\", this server accepts \"{TestTokens.Issuer}\"", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_TokenNamingNobody_Unauthenticated()
    {
        var token = TestTokens.Create(name: null, Rooms("*"));

        var error = await CallAsync("Publish", TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token names nobody: it has neither a name nor a sub claim", error.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_NameOverTheLimit_UnauthenticatedNamingClaimAndLimit(string call)
    {
        // Granted every room, so that only the name can be what is refused.
        var token = TestTokens.Create(new string('n', 257), Rooms("*"), subject: "u-17");

        var error = await CallAsync(call, TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token's name claim is 257 characters long; the limit is 256", error.Status.Detail);
    }

    [Theory]
    [MemberData(nameof(RoomCalls))]
    public async Task RoomCall_NameOnlyWhitespace_UnauthenticatedNamingClaim(string call)
    {
        // A sub to fall back on does not make a blank name acceptable: the name is what the token says the sender is.
        var token = TestTokens.Create("   ", Rooms("*"), subject: "u-17");

        var error = await CallAsync(call, TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token's name claim is empty or only whitespace: it must be 1 to 256 characters", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_SubAsIdentityOverTheLimit_UnauthenticatedNamingClaimAndLimit()
    {
        var token = TestTokens.Create(name: null, Rooms("*"), subject: new string('s', 300));

        var error = await CallAsync("Publish", TestTokens.Bearer(token));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token's sub claim (the sender, as the token has no name) is 300 characters long; the limit is 256", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_NameAtTheLimit_EventCarriesIt()
    {
        var room = StreamingGreeter.Tests.Rooms.Unique();
        var name = new string('n', 256);
        var token = TestTokens.ForRooms(name, room);

        await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "hi" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        using var replay = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = "stale", MaxEvents = 1 }, TestTokens.Call(token));

        Assert.Equal(name, Assert.Single(await replay.ResponseStream.ReadToEndAsync()).Sender);
    }

    [Fact]
    public async Task Publish_ValidToken_Succeeds()
    {
        var room = StreamingGreeter.Tests.Rooms.Unique();

        var reply = await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "hi" }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.DefaultTimeout();

        Assert.Equal(1, reply.Sequence);
    }

    [Fact]
    public async Task Greetings_NoToken_StayOpenByDefault()
    {
        var hello = await _server.Client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();
        using var stream = _server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 2 });
        var replies = await stream.ResponseStream.ReadToEndAsync();
        using var many = _server.Client.SayHelloToMany();
        await many.RequestStream.WriteAsync(new HelloRequest { Name = "Bob" }).DefaultTimeout();
        await many.RequestStream.CompleteAsync().DefaultTimeout();
        var manyReply = await many.ResponseAsync.DefaultTimeout();

        Assert.Equal("Hello, World", hello.Message);
        Assert.Equal(2, replies.Count);
        Assert.Equal("Hello, Bob", manyReply.Message);
    }

    private static Dictionary<string, object> Rooms(params string[] patterns) => new() { ["rooms"] = patterns };

    /// <summary>Makes one call of the given kind with the given metadata and returns how it failed.</summary>
    private async Task<RpcException> CallAsync(string call, Metadata headers)
    {
        var room = StreamingGreeter.Tests.Rooms.Unique();
        switch (call)
        {
            case "Publish":
                return await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "hi" }, headers).ResponseAsync.ThrowsRpcAsync();
            case "Subscribe":
            {
                using var subscribe = _server.Client.Subscribe(new SubscribeRequest { Room = room }, headers);
                return await subscribe.ResponseStream.ReadUntilErrorAsync();
            }

            default:
            {
                using var chat = _server.Client.Chat(headers);
                // The refusal comes before the server reads anything: the first message may or may not get through.
                try
                {
                    await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "ann" }).DefaultTimeout();
                }
                catch (RpcException)
                {
                }

                return await chat.ResponseStream.ReadUntilErrorAsync();
            }
        }
    }
}
