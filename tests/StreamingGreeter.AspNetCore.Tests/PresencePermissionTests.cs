using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Auth:Mode Jwt: presence shows the tokens' identities, and asking needs the room's subscribe grant.</summary>
public sealed class PresencePermissionTests(JwtServerFixture fixture) : IClassFixture<JwtServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Presence_SubscribeGrant_ListsMembersWithTheirTokensIdentity()
    {
        var room = Rooms.Unique();
        using var chat = _server.Client.Chat(TestTokens.Call(TestTokens.ForRooms("ann", room)));
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);
        var reader = TestTokens.Call(TestTokens.Create("bob", new Dictionary<string, object> { ["subscribe"] = new[] { room } }));

        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = room }, reader).ResponseAsync.DefaultTimeout();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }, reader).ResponseAsync.DefaultTimeout();

        Assert.Equal([("ann", "ann", 1)], presence.Members.Select(static m => (m.Sender, m.Identity, m.Connections)));
        Assert.Equal((1, 1, 1), (stats.Members, stats.Identities, stats.Subscribers));
        await chat.RequestStream.CompleteAsync().DefaultTimeout();
        await chat.ResponseStream.ReadToEndAsync();
    }

    [Fact]
    public async Task Presence_NoSubscribeGrant_PermissionDeniedNamingTheRoom()
    {
        var room = Rooms.Unique();
        var token = TestTokens.Create("eve", new Dictionary<string, object> { ["publish"] = new[] { room } });

        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = room }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }, TestTokens.Call(token)).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.PermissionDenied, presence.StatusCode);
        Assert.StartsWith($"\"eve\" may not subscribe to room \"{room}\"", presence.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, stats.StatusCode);
        Assert.StartsWith($"\"eve\" may not subscribe to room \"{room}\"", stats.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presence_NoToken_Unauthenticated()
    {
        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = Rooms.Unique() }).ResponseAsync.ThrowsRpcAsync();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = Rooms.Unique() }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal((StatusCode.Unauthenticated, StatusCode.Unauthenticated), (presence.StatusCode, stats.StatusCode));
    }
}
