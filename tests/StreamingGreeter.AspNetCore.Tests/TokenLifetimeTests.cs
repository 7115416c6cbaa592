using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>A long-lived stream ends with UNAUTHENTICATED when its token expires.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class TokenLifetimeTests
{
    private static readonly TimeSpan ShortLife = TimeSpan.FromSeconds(3);

    // Years away from the real clock, so that a check made on the system clock instead of the server's fails.
    private static readonly DateTimeOffset ClockStart = new(2040, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Subscribe_TokenExpiresMidStream_EndsUnauthenticatedAtExpiry()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var token = TestTokens.ForRooms("ann", room);
        var shortLived = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = new[] { room } }, lifetime: ShortLife);
        var expires = new JsonWebToken(shortLived).ValidTo;
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(shortLived));
        await call.ResponseHeadersAsync.DefaultTimeout();

        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "before expiry" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
        var delivered = await call.ResponseStream.ReadNextAsync();
        var error = await call.ResponseStream.ReadUntilErrorAsync();
        var endedAt = DateTime.UtcNow;

        Assert.Equal("before expiry", delivered.Text);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"token expired at {expires:yyyy-MM-ddTHH:mm:ssZ}: the stream ended; reconnect with a fresh token (and resume with after_sequence and epoch)", error.Status.Detail);
        // Not before the token's exp (whole seconds), and not long after it.
        Assert.InRange(endedAt, expires.AddMilliseconds(-50), expires.AddSeconds(5));
    }

    [Fact]
    public async Task Chat_TokenExpiresMidStream_EndsUnauthenticatedAndOthersSeeItLeave()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        using var watcher = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(TestTokens.ForRooms("bob", room)));
        await watcher.ResponseHeadersAsync.DefaultTimeout();
        var shortLived = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = new[] { room } }, lifetime: ShortLife);
        using var chat = server.Client.Chat(TestTokens.Call(shortLived));

        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);
        var error = await chat.ResponseStream.ReadUntilErrorAsync();
        var seen = new[] { await watcher.ResponseStream.ReadNextAsync(), await watcher.ResponseStream.ReadNextAsync() };

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("token expired at ", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal([(Kind.Joined, "ann"), (Kind.Left, "ann")], seen.Select(static e => (e.Kind, e.Sender)));
    }

    [Fact]
    public async Task Publish_TokenStillValidButStreamOfAnother_Unaffected()
    {
        // The expiry of one call's token ends that call only: a long-lived token on the same connection goes on.
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var longLived = TestTokens.ForRooms("ann", room);
        var shortLived = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = new[] { room } }, lifetime: ShortLife);
        using var staying = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(longLived));
        using var expiring = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(shortLived));
        await staying.ResponseHeadersAsync.DefaultTimeout();

        var error = await expiring.ResponseStream.ReadUntilErrorAsync();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "after" }, TestTokens.Call(longLived)).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("after", (await staying.ResponseStream.ReadNextAsync()).Text);
    }

    [Fact]
    public async Task Subscribe_TokenOnServerClock_ValidatedByThatClock()
    {
        var clock = new FakeTimeProvider(ClockStart);
        await using var server = await StartOnAsync(clock);
        var room = Rooms.Unique();
        var token = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = new[] { room } }, lifetime: TimeSpan.FromHours(1), issuedAt: clock.GetUtcNow());
        var early = TestTokens.Create("ann", new Dictionary<string, object> { ["rooms"] = new[] { room } }, issuedAt: clock.GetUtcNow().AddHours(1));

        using var tooEarly = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(early));
        var notYet = await tooEarly.ResponseStream.ReadUntilErrorAsync();
        using (var accepted = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token)))
        {
            await accepted.ResponseHeadersAsync.DefaultTimeout();
            await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "valid now" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();
            Assert.Equal("valid now", (await accepted.ResponseStream.ReadNextAsync()).Text);
        }

        clock.Advance(TimeSpan.FromHours(2));
        using var refused = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token));
        var error = await refused.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.Unauthenticated, notYet.StatusCode);
        Assert.Equal($"token is not valid before {ClockStart.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}", notYet.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"token expired at {ClockStart.AddHours(1):yyyy-MM-ddTHH:mm:ssZ}: get a fresh one", error.Status.Detail);
    }

    [Fact]
    public async Task Subscribe_TokenWithoutExp_Unauthenticated()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var endless = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            Claims = new Dictionary<string, object> { ["name"] = "ann", ["rooms"] = new[] { room } },
            SigningCredentials = TestTokens.Hmac(),
        });
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(endless));

        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.False(new JsonWebToken(endless).TryGetPayloadValue<long>("exp", out _));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal("token has no expiry (exp claim): this server accepts only tokens that expire", error.Status.Detail);
    }

    [Theory]
    [InlineData(253_402_300_800L)]
    [InlineData(1_000_000_000_000L)]
    [InlineData(long.MaxValue)]
    public async Task Subscribe_TokenExpBeyondYear9999_UnauthenticatedNamingTheLimitAndNoErrorLogged(long exp)
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var endless = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            Claims = new Dictionary<string, object> { ["name"] = "ann", ["rooms"] = new[] { room }, ["exp"] = exp },
            SigningCredentials = TestTokens.Hmac(),
        });
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(endless));

        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(exp, new JsonWebToken(endless).GetPayloadValue<long>("exp"));
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"token exp {exp} is beyond year 9999 (the latest is 253402300799): this server accepts only tokens that expire", error.Status.Detail);
        Assert.Empty(server.Logs.Errors);
    }

    [Fact]
    public async Task Subscribe_TokenExpAtTheLastSecondOfYear9999_Accepted()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings());
        var room = Rooms.Unique();
        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = TestTokens.Issuer,
            Audience = TestTokens.Audience,
            Claims = new Dictionary<string, object> { ["name"] = "ann", ["rooms"] = new[] { room }, ["exp"] = 253_402_300_799L },
            SigningCredentials = TestTokens.Hmac(),
        });
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token));
        await call.ResponseHeadersAsync.DefaultTimeout();

        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "still here" }, TestTokens.Call(token)).ResponseAsync.DefaultTimeout();

        Assert.Equal("still here", (await call.ResponseStream.ReadNextAsync()).Text);
        Assert.Empty(server.Logs.Errors);
    }

    [Fact]
    public async Task Subscribe_TokenExpiresBeyondOneTimer_StaysOpenUntilExpiryThenEndsUnauthenticated()
    {
        // One timer waits about 49 days; a 60-day token needs more than one.
        var clock = new FakeTimeProvider(ClockStart);
        await using var server = await StartOnAsync(clock);
        var room = Rooms.Unique();
        var grant = new Dictionary<string, object> { ["rooms"] = new[] { room } };
        var token = TestTokens.Create("ann", grant, lifetime: TimeSpan.FromDays(60), issuedAt: clock.GetUtcNow());
        var publisher = TestTokens.Create("bob", grant, lifetime: TimeSpan.FromDays(100), issuedAt: clock.GetUtcNow());
        var expires = ClockStart.AddDays(60);
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token));
        await call.ResponseHeadersAsync.DefaultTimeout();

        clock.Advance(TimeSpan.FromDays(50));
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "day 50" }, TestTokens.Call(publisher)).ResponseAsync.DefaultTimeout();
        var day50 = await call.ResponseStream.ReadNextAsync();
        clock.Advance(expires - clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "a second before" }, TestTokens.Call(publisher)).ResponseAsync.DefaultTimeout();
        var lastSecond = await call.ResponseStream.ReadNextAsync();
        clock.Advance(TimeSpan.FromSeconds(1));
        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal("day 50", day50.Text);
        Assert.Equal("a second before", lastSecond.Text);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal($"token expired at {expires:yyyy-MM-ddTHH:mm:ssZ}: the stream ended; reconnect with a fresh token (and resume with after_sequence and epoch)", error.Status.Detail);
    }

    [Fact]
    public async Task Subscribe_TokenExpiresWhileEventsAreStillToWrite_EndsUnauthenticatedAfterTheWriteNotAReset()
    {
        var clock = new FakeTimeProvider(ClockStart);
        // A write timeout beyond the jump below, so that only the token's expiry ends the call.
        await using var server = await TestServer.StartAsync(
            services => services.AddSingleton<TimeProvider>(clock),
            TestTokens.Settings("Greeter:WriteTimeout=00:10:00", "Hub:SubscriberBufferCapacity=100000", "Hub:MaxSubscriberBufferBytes=67108864"));
        var room = Rooms.Unique();
        var grant = new Dictionary<string, object> { ["rooms"] = new[] { room } };
        var token = TestTokens.Create("ann", grant, lifetime: TimeSpan.FromMinutes(1), issuedAt: clock.GetUtcNow());
        var publisher = TestTokens.Create("bob", grant, lifetime: TimeSpan.FromDays(1), issuedAt: clock.GetUtcNow());
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, TestTokens.Call(token));
        await call.ResponseHeadersAsync.DefaultTimeout();

        // More than the connection takes unread: the server is in the middle of writing when the token expires.
        var text = new string('x', 1000);
        for (var i = 0; i < 400; i++)
        {
            await server.Client.PublishAsync(new PublishRequest { Room = room, Text = text }, TestTokens.Call(publisher)).ResponseAsync.DefaultTimeout();
        }

        clock.Advance(TimeSpan.FromMinutes(2));
        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.StartsWith("token expired at", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>A Jwt server whose clock (token validation and stream expiry alike) is <paramref name="clock"/>.</summary>
    private static Task<TestServer> StartOnAsync(TimeProvider clock) =>
        TestServer.StartAsync(services => services.AddSingleton(clock), TestTokens.Settings());
}
