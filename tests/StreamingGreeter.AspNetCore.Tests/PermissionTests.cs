using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Auth:Mode Jwt: the token is the sender, and its room claims decide where it may subscribe and publish.</summary>
public sealed class PermissionTests(JwtServerFixture fixture) : IClassFixture<JwtServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Publish_EmptySender_EventCarriesTheTokensName()
    {
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);

        await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "hi" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();

        Assert.Equal("ann", (await ReplayAsync(room, token)).Sender);
    }

    [Fact]
    public async Task Publish_TokenWithSubOnly_EventCarriesTheSub()
    {
        var room = Rooms.Unique();
        var token = TestTokens.Create(name: null, new Dictionary<string, object> { ["rooms"] = new[] { room } }, subject: "u-17");

        await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "hi" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();

        Assert.Equal("u-17", (await ReplayAsync(room, token)).Sender);
    }

    [Fact]
    public async Task Publish_SpoofedSender_PermissionDeniedNamingBothAndNothingPublished()
    {
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);

        var error = await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "bob", Text = "I am bob" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();
        var own = await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "I am ann" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("sender \"bob\" is not this caller: the token authenticates \"ann\"; leave sender empty or send \"ann\"", error.Status.Detail);
        // The refused publish took no sequence number.
        Assert.Equal(1, own.Sequence);
    }

    [Fact]
    public async Task Chat_SpoofedSender_PermissionDenied()
    {
        var room = Rooms.Unique();
        using var chat = _server.Client.Chat(TestTokens.Call(TestTokens.ForRooms("ann", room)));

        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "bob" }).DefaultTimeout();
        var error = await chat.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("sender \"bob\" is not this caller", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_SpoofedSenderInALaterMessage_PermissionDeniedAndNotPublished()
    {
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);
        using var chat = _server.Client.Chat(TestTokens.Call(token));
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);

        await chat.RequestStream.WriteAsync(new ChatMessage { Sender = "bob", Text = "I am bob" }).DefaultTimeout();
        var error = await chat.ResponseStream.ReadUntilErrorAsync();
        using var history = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = "stale", MaxEvents = 2 }, TestTokens.Call(token));
        var events = await history.ResponseStream.ReadToEndAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.StartsWith("sender \"bob\" is not this caller", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([Kind.Joined, Kind.Left], events.Select(static e => e.Kind));
    }

    [Fact]
    public async Task Chat_EmptySender_JoinsAndSpeaksAsTheToken_LaterMessagesMayNameIt()
    {
        var room = Rooms.Unique();
        using var chat = _server.Client.Chat(TestTokens.Call(TestTokens.ForRooms("ann", room)));

        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        var joined = await chat.ResponseStream.ReadNextAsync();
        await chat.RequestStream.WriteAsync(new ChatMessage { Sender = "ann", Text = "hello" }).DefaultTimeout();
        var message = await chat.ResponseStream.ReadNextAsync();
        await chat.RequestStream.CompleteAsync().DefaultTimeout();
        var left = await chat.ResponseStream.ReadNextAsync();

        Assert.Equal((Kind.Joined, "ann"), (joined.Kind, joined.Sender));
        Assert.Equal((Kind.Message, "ann", "hello"), (message.Kind, message.Sender, message.Text));
        Assert.Equal((Kind.Left, "ann"), (left.Kind, left.Sender));
    }

    [Theory]
    [InlineData("team-*", "team-red", true)]
    [InlineData("team-*", "teams", false)]
    [InlineData("news", "news", true)]
    [InlineData("news", "news2", false)]
    [InlineData("*-ops", "red-ops", true)]
    [InlineData("a*b*c", "a-1-b-2-c", true)]
    [InlineData("a*b*c", "a-1-c-2-b", false)]
    public async Task Rooms_Patterns_GrantSubscribeAndPublish(string pattern, string room, bool allowed)
    {
        // The pattern applies to a unique prefix, so tests sharing the server never share a room.
        var prefix = "p" + Guid.NewGuid().ToString("N")[..8] + ".";
        var token = TestTokens.ForRooms("ann", prefix + pattern);

        var publish = await TryAsync(_server.Client.PublishAsync(new PublishRequest { Room = prefix + room, Text = "x" }, TestTokens.Call(token)).ResponseAsync);
        using var subscribe = _server.Client.Subscribe(new SubscribeRequest { Room = prefix + room, AfterSequence = 0, Epoch = "x", MaxEvents = allowed ? 1 : 0 }, TestTokens.Call(token));
        var subscribed = await TryAsync(subscribe.ResponseStream.ReadToEndAsync());

        Assert.Equal(allowed ? StatusCode.OK : StatusCode.PermissionDenied, publish);
        Assert.Equal(allowed ? StatusCode.OK : StatusCode.PermissionDenied, subscribed);
    }

    [Fact]
    public async Task Subscribe_RoomOutsideTheToken_PermissionDeniedNamingRoomAndGrants()
    {
        var token = TestTokens.ForRooms("ann", "news", "team-*");
        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = "secret" }, TestTokens.Call(token));

        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Equal("\"ann\" may not subscribe to room \"secret\": the token's rooms and subscribe claims grant news, team-*", error.Status.Detail);
    }

    [Fact]
    public async Task SubscribeClaimOnly_SubscribesButMayNotPublishOrChat()
    {
        var room = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["subscribe"] = new[] { room } });

        var publish = await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();
        using var chat = _server.Client.Chat(TestTokens.Call(token));
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        var chatError = await chat.ResponseStream.ReadUntilErrorAsync();
        await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "from the backend" }, TestTokens.Call(TestTokens.ForRooms("backend", room))).ResponseAsync.DefaultTimeout();
        var received = await ReplayAsync(room, token);

        Assert.Equal(StatusCode.PermissionDenied, publish.StatusCode);
        Assert.StartsWith("\"ann\" may not publish into room", publish.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, chatError.StatusCode);
        Assert.StartsWith("\"ann\" may not publish into room", chatError.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(("backend", "from the backend"), (received.Sender, received.Text));
    }

    [Fact]
    public async Task PublishClaimOnly_PublishesButMayNotSubscribeOrChat()
    {
        var room = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["publish"] = room });

        var published = await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        using var subscribe = _server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token));
        var subscribeError = await subscribe.ResponseStream.ReadUntilErrorAsync();
        using var chat = _server.Client.Chat(TestTokens.Call(token));
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        var chatError = await chat.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(1, published.Sequence);
        Assert.Equal(StatusCode.PermissionDenied, subscribeError.StatusCode);
        Assert.StartsWith("\"ann\" may not subscribe to room", subscribeError.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, chatError.StatusCode);
        Assert.StartsWith("\"ann\" may not subscribe to room", chatError.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoRoomClaims_EveryRoomDenied()
    {
        var token = TestTokens.Create("ann");

        var error = await _server.Client.PublishAsync(new PublishRequest { Room = "news", Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.EndsWith("grant none", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UserRoom_BackendPushesToOneUser_OnlyThatUserMaySubscribe()
    {
        var id = "u" + Guid.NewGuid().ToString("N")[..12];
        var user = TestTokens.Create("Ann Smith", new Dictionary<string, object> { ["subscribe"] = new[] { "user:{sub}", "news" } }, subject: id);
        var otherUser = TestTokens.Create("Bob", new Dictionary<string, object> { ["subscribe"] = new[] { "user:{sub}" } }, subject: "u-other");
        var backend = TestTokens.Create("backend", new Dictionary<string, object> { ["publish"] = new[] { "user:*" } });
        using var mine = _server.Client.Subscribe(new SubscribeRequest { Room = "user:" + id }, TestTokens.Call(user));
        await mine.ResponseHeadersAsync.DefaultTimeout();

        await _server.Client.PublishAsync(new PublishRequest { Room = "user:" + id, Text = "your order shipped" }, TestTokens.Call(backend)).ResponseAsync.DefaultTimeout();
        var pushed = await mine.ResponseStream.ReadNextAsync();
        using var theirs = _server.Client.Subscribe(new SubscribeRequest { Room = "user:" + id }, TestTokens.Call(otherUser));
        var denied = await theirs.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(("backend", "your order shipped"), (pushed.Sender, pushed.Text));
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Contains("user:{sub}", denied.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubPlaceholder_WildcardInsideTheSub_IsLiteral()
    {
        var token = TestTokens.Create("x", new Dictionary<string, object> { ["rooms"] = new[] { "user:{sub}" } }, subject: "*");

        var error = await _server.Client.PublishAsync(new PublishRequest { Room = "user:someone", Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task RoomsClaim_SpaceSeparatedString_GrantsEach()
    {
        var first = Rooms.Unique();
        var second = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = $"{first} {second}" });

        var one = await _server.Client.PublishAsync(new PublishRequest { Room = first, Text = "x" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        var two = await _server.Client.PublishAsync(new PublishRequest { Room = second, Text = "x" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();

        Assert.Equal((1, 1), (one.Sequence, two.Sequence));
    }

    [Fact]
    public async Task RoomsClaim_ArrayElementWithASpace_IsOnePatternGrantingNothing()
    {
        // Split on its space, the element would be two patterns, one of them "*".
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room + " *");

        var elsewhere = await _server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();
        var named = await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.PermissionDenied, elsewhere.StatusCode);
        Assert.EndsWith($"grant {room} *", elsewhere.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, named.StatusCode);
    }

    [Fact]
    public async Task SubscribeClaim_ArrayElementWithASpace_IsOnePatternGrantingNothing()
    {
        var room = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["subscribe"] = new[] { room + " *" } });
        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() }, TestTokens.Call(token));

        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task RoomsClaim_ArrayOfPatterns_GrantsEach()
    {
        var first = Rooms.Unique();
        var second = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", first, second);

        var one = await _server.Client.PublishAsync(new PublishRequest { Room = first, Text = "x" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        var two = await _server.Client.PublishAsync(new PublishRequest { Room = second, Text = "x" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        var other = await _server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x" }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal((1, 1), (one.Sequence, two.Sequence));
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }

    private async Task<ChatEvent> ReplayAsync(string room, string token)
    {
        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = "stale", MaxEvents = 1 }, TestTokens.Call(token));
        return Assert.Single(await call.ResponseStream.ReadToEndAsync());
    }

    private static async Task<StatusCode> TryAsync(Task task)
    {
        try
        {
            await task.DefaultTimeout();
            return StatusCode.OK;
        }
        catch (RpcException error)
        {
            return error.StatusCode;
        }
    }
}
