using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Presence and PresenceStats: who is in a room, counted and paged.</summary>
public sealed class PresenceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Presence_TwoMembersAndASubscriber_ListsEachMemberWithItsConnectionsAndCountsAll()
    {
        var room = Rooms.Unique();
        using var ann = await JoinAsync(room, "ann");
        using var annAgain = await JoinAsync(room, "ann");
        using var bob = await JoinAsync(room, "bob");
        using var subscribe = _server.Client.Subscribe(new SubscribeRequest { Room = room });
        await subscribe.ResponseHeadersAsync.DefaultTimeout();

        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = room }).ResponseAsync.DefaultTimeout();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }).ResponseAsync.DefaultTimeout();

        Assert.Equal([("ann", "", 2), ("bob", "", 1)], presence.Members.Select(static m => (m.Sender, m.Identity, m.Connections)));
        Assert.All(presence.Members, static m => Assert.InRange(m.JoinedTime.ToDateTimeOffset(), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1)));
        Assert.Empty(presence.NextPageToken);
        // Three Chat calls and one Subscribe call.
        Assert.Equal((2, 0, 4), (stats.Members, stats.Identities, stats.Subscribers));
        await LeaveAsync(bob);
        await LeaveAsync(annAgain);
        await LeaveAsync(ann);
    }

    [Fact]
    public async Task Presence_MemberLeft_IsNoLongerListed()
    {
        var room = Rooms.Unique();
        using var ann = await JoinAsync(room, "ann");
        using var bob = await JoinAsync(room, "bob");
        Assert.Equal((Kind.Joined, "bob"), Describe(await ann.ResponseStream.ReadNextAsync()));

        await LeaveAsync(bob);
        Assert.Equal((Kind.Left, "bob"), Describe(await ann.ResponseStream.ReadNextAsync()));
        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = room }).ResponseAsync.DefaultTimeout();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }).ResponseAsync.DefaultTimeout();

        Assert.Equal(["ann"], presence.Members.Select(static m => m.Sender));
        Assert.Equal(1, stats.Members);
        await LeaveAsync(ann);
    }

    [Theory]
    [InlineData("cat", "ann", "bob")]
    // A token holds the last sender listed: a name with NUL (or any character) in it still continues the walk.
    [InlineData("c\0", "a\0b", "a")]
    public async Task Presence_PageSizeOne_WalksEveryMemberInOrderWithTokens(string first, string second, string third)
    {
        var room = Rooms.Unique();
        using var one = await JoinAsync(room, first);
        using var two = await JoinAsync(room, second);
        using var three = await JoinAsync(room, third);

        var senders = new List<string>();
        var tokens = new List<string>();
        var token = string.Empty;
        do
        {
            var page = await _server.Client.PresenceAsync(new PresenceRequest { Room = room, PageSize = 1, PageToken = token }).ResponseAsync.DefaultTimeout();
            senders.AddRange(page.Members.Select(static m => m.Sender));
            token = page.NextPageToken;
            tokens.Add(token);
        }
        while (token.Length > 0 && senders.Count < 10);

        Assert.Equal(new[] { first, second, third }.Order(StringComparer.Ordinal), senders);
        Assert.Equal(3, tokens.Count);
        Assert.All(tokens.Take(2), static t => Assert.NotEmpty(t));
        await LeaveAsync(three);
        await LeaveAsync(two);
        await LeaveAsync(one);
    }

    [Fact]
    public async Task Presence_EmptyRoom_NoMembersAndNoSubscribers()
    {
        var room = Rooms.Unique();

        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = room }).ResponseAsync.DefaultTimeout();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }).ResponseAsync.DefaultTimeout();

        Assert.Empty(presence.Members);
        Assert.Equal((0, 0, 0), (stats.Members, stats.Identities, stats.Subscribers));
    }

    [Theory]
    [InlineData(1001, "", "page_size must be between 0 and 1000 (got 1001); 0 means 100")]
    [InlineData(-1, "", "page_size must be between 0 and 1000 (got -1); 0 means 100")]
    [InlineData(0, "not a token", "page_token is not a token this server made")]
    [InlineData(0, "cDE", "page_token is not a token this server made")]
    public async Task Presence_BadPaging_InvalidArgumentNamingTheField(int pageSize, string pageToken, string message)
    {
        var error = await _server.Client.PresenceAsync(new PresenceRequest { Room = Rooms.Unique(), PageSize = pageSize, PageToken = pageToken }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(message, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Presence_BadRoom_InvalidArgumentNamingRoom()
    {
        var presence = await _server.Client.PresenceAsync(new PresenceRequest { Room = "no spaces" }).ResponseAsync.ThrowsRpcAsync();
        var stats = await _server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = "" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal((StatusCode.InvalidArgument, "room \"no spaces\" is invalid: it must match ^[A-Za-z0-9._:-]{1,64}$"), (presence.StatusCode, presence.Status.Detail));
        Assert.Equal((StatusCode.InvalidArgument, "room \"\" is invalid: it must match ^[A-Za-z0-9._:-]{1,64}$"), (stats.StatusCode, stats.Status.Detail));
    }

    private static (Kind, string) Describe(ChatEvent item) => (item.Kind, item.Sender);

    /// <summary>A member in the room: its own JOINED has come back.</summary>
    private async Task<AsyncDuplexStreamingCall<ChatMessage, ChatEvent>> JoinAsync(string room, string sender, CallOptions options = default)
    {
        var call = _server.Client.Chat(options);
        await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = sender }).DefaultTimeout();
        Assert.Equal((Kind.Joined, sender), Describe(await call.ResponseStream.ReadNextAsync()));
        return call;
    }

    private static async Task LeaveAsync(AsyncDuplexStreamingCall<ChatMessage, ChatEvent> call)
    {
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        await call.ResponseStream.ReadToEndAsync();
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
