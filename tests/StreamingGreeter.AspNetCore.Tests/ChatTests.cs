using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Chat: joining, echo, ordering between members, leaving, and resuming.</summary>
public sealed class ChatTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Chat_FirstMessage_ReceivesOwnJoinedFirst()
    {
        var room = Rooms.Unique();
        using var call = _server.Client.Chat();

        await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        var joined = await call.ResponseStream.ReadNextAsync();

        Assert.Equal(Kind.Joined, joined.Kind);
        Assert.Equal(room, joined.Room);
        Assert.Equal("Ann", joined.Sender);
        Assert.Equal(1, joined.Sequence);
        Assert.False(string.IsNullOrEmpty(joined.Epoch));
        await LeaveAsync(call);
    }

    [Fact]
    public async Task Chat_OwnMessages_AreEchoedAfterJoined()
    {
        var room = Rooms.Unique();
        using var call = _server.Client.Chat();

        // The first message may carry text: it is published after the JOINED.
        await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann", Text = "first" }).DefaultTimeout();
        var joined = await call.ResponseStream.ReadNextAsync();
        var first = await call.ResponseStream.ReadNextAsync();
        await call.RequestStream.WriteAsync(new ChatMessage { Text = "second" }).DefaultTimeout();
        var second = await call.ResponseStream.ReadNextAsync();

        Assert.Equal(Kind.Joined, joined.Kind);
        Assert.Equal((Kind.Message, "Ann", "first", joined.Sequence + 1), (first.Kind, first.Sender, first.Text, first.Sequence));
        Assert.Equal((Kind.Message, "Ann", "second", joined.Sequence + 2), (second.Kind, second.Sender, second.Text, second.Sequence));
        Assert.Equal(joined.Epoch, second.Epoch);
        await LeaveAsync(call);
    }

    [Fact]
    public async Task Chat_TwoMembers_SeeEachOthersMessagesInTheSameOrder()
    {
        const int PerMember = 20;
        var room = Rooms.Unique();
        using var ann = _server.Client.Chat();
        using var bob = _server.Client.Chat();
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await ann.ResponseStream.ReadNextAsync()).Kind);
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob" }).DefaultTimeout();
        var bobJoined = await bob.ResponseStream.ReadNextAsync();
        var bobJoinedSeenByAnn = await ann.ResponseStream.ReadNextAsync();
        Assert.Equal((Kind.Joined, "Bob", bobJoined.Sequence), (bobJoinedSeenByAnn.Kind, bobJoinedSeenByAnn.Sender, bobJoinedSeenByAnn.Sequence));

        // Both talk at once; each reads what the room delivers.
        var annReads = ReadMessagesAsync(ann.ResponseStream, 2 * PerMember);
        var bobReads = ReadMessagesAsync(bob.ResponseStream, 2 * PerMember);
        await Task.WhenAll(SendAsync(ann.RequestStream, "ann"), SendAsync(bob.RequestStream, "bob")).DefaultTimeout();
        var annSaw = await annReads.DefaultTimeout();
        var bobSaw = await bobReads.DefaultTimeout();

        Assert.Equal(annSaw, bobSaw);
        Assert.Equal(Enumerable.Range(1, 2 * PerMember).Select(i => bobJoined.Sequence + i), annSaw.Select(static e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, PerMember).Select(static i => $"ann {i}"), annSaw.Where(static e => e.Sender == "Ann").Select(static e => e.Text));
        Assert.Equal(Enumerable.Range(0, PerMember).Select(static i => $"bob {i}"), annSaw.Where(static e => e.Sender == "Bob").Select(static e => e.Text));
        await LeaveAsync(ann);
        await LeaveAsync(bob);

        static async Task SendAsync(IClientStreamWriter<ChatMessage> writer, string who)
        {
            for (var i = 0; i < PerMember; i++)
            {
                await writer.WriteAsync(new ChatMessage { Text = $"{who} {i}" });
            }
        }

        static async Task<List<(long Sequence, string Sender, string Text)>> ReadMessagesAsync(IAsyncStreamReader<ChatEvent> reader, int count)
        {
            var seen = new List<(long, string, string)>();
            while (seen.Count < count)
            {
                var item = await reader.ReadNextAsync();
                Assert.Equal(Kind.Message, item.Kind);
                seen.Add((item.Sequence, item.Sender, item.Text));
            }

            return seen;
        }
    }

    [Fact]
    public async Task Chat_ClientHalfCloses_OwnLeftIsLastEventAndStatusOk()
    {
        var room = Rooms.Unique();
        using var call = _server.Client.Chat();
        await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        var joined = await call.ResponseStream.ReadNextAsync();
        await call.RequestStream.WriteAsync(new ChatMessage { Text = "bye" }).DefaultTimeout();

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var rest = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal(
            [(Kind.Message, "Ann", joined.Sequence + 1), (Kind.Left, "Ann", joined.Sequence + 2)],
            rest.Select(static e => (e.Kind, e.Sender, e.Sequence)));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Chat_ClientCancels_OthersSeeLeftAndSubscribersReturnToZero()
    {
        // Its own server, so the hub's subscriber count is this test's alone.
        await using var server = await TestServer.StartAsync();
        var room = Rooms.Unique();
        using var ann = server.Client.Chat();
        using var bobCancellation = new CancellationTokenSource();
        using var bob = server.Client.Chat(cancellationToken: bobCancellation.Token);
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        await ann.ResponseStream.ReadNextAsync();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob" }).DefaultTimeout();
        await bob.ResponseStream.ReadNextAsync();
        Assert.Equal((Kind.Joined, "Bob"), Describe(await ann.ResponseStream.ReadNextAsync()));
        Assert.Equal(2, server.Hub.SubscriberCount);

        await bobCancellation.CancelAsync();

        Assert.Equal((Kind.Left, "Bob"), Describe(await ann.ResponseStream.ReadNextAsync()));
        await Wait.UntilAsync(() => server.Hub.SubscriberCount == 1, () => $"SubscriberCount 1, is {server.Hub.SubscriberCount}");
        await LeaveAsync(ann);
        await Wait.UntilAsync(() => server.Hub.SubscriberCount == 0, () => $"SubscriberCount 0, is {server.Hub.SubscriberCount}");
    }

    [Fact]
    public async Task Chat_ClientVanishes_OthersSeeLeft()
    {
        var room = Rooms.Unique();
        using var ann = _server.Client.Chat();
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        await ann.ResponseStream.ReadNextAsync();

        // Bob has a connection of his own, and it goes away without a word.
        var bobChannel = _server.CreateChannel();
        var bob = new Greeter.GreeterClient(bobChannel).Chat();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob" }).DefaultTimeout();
        await bob.ResponseStream.ReadNextAsync();
        Assert.Equal((Kind.Joined, "Bob"), Describe(await ann.ResponseStream.ReadNextAsync()));
        bobChannel.Dispose();

        Assert.Equal((Kind.Left, "Bob"), Describe(await ann.ResponseStream.ReadNextAsync()));
        await LeaveAsync(ann);
    }

    [Fact]
    public async Task Chat_ResumeWithAfterSequence_ReplaysMissedEventsBeforeJoined()
    {
        var room = Rooms.Unique();
        using var ann = _server.Client.Chat();
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        var annJoined = await ann.ResponseStream.ReadNextAsync();
        foreach (var text in new[] { "m1", "m2", "m3" })
        {
            await ann.RequestStream.WriteAsync(new ChatMessage { Text = text }).DefaultTimeout();
            Assert.Equal(text, (await ann.ResponseStream.ReadNextAsync()).Text);
        }

        // Bob had seen up to m1 (sequence 2) and comes back.
        using var bob = _server.Client.Chat();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob", AfterSequence = 2, Epoch = annJoined.Epoch }).DefaultTimeout();
        var replayed = new[] { await bob.ResponseStream.ReadNextAsync(), await bob.ResponseStream.ReadNextAsync() };
        var bobJoined = await bob.ResponseStream.ReadNextAsync();

        Assert.Equal([(Kind.Message, "m2", 3L), (Kind.Message, "m3", 4L)], replayed.Select(static e => (e.Kind, e.Text, e.Sequence)));
        Assert.Equal((Kind.Joined, "Bob", 5L), (bobJoined.Kind, bobJoined.Sender, bobJoined.Sequence));
        await LeaveAsync(bob);
        await LeaveAsync(ann);
    }

    [Fact]
    public async Task Chat_ResumeWithOtherEpoch_ReplaysAllRetainedHistory()
    {
        var room = Rooms.Unique();
        var published = await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Cy", Text = "before" }).ResponseAsync.DefaultTimeout();

        using var bob = _server.Client.Chat();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob", AfterSequence = 1, Epoch = "an-epoch-of-another-life" }).DefaultTimeout();
        var replayed = await bob.ResponseStream.ReadNextAsync();
        var joined = await bob.ResponseStream.ReadNextAsync();

        Assert.Equal((Kind.Message, "before", 1L, published.Epoch), (replayed.Kind, replayed.Text, replayed.Sequence, replayed.Epoch));
        Assert.Equal((Kind.Joined, "Bob", 2L), (joined.Kind, joined.Sender, joined.Sequence));
        await LeaveAsync(bob);
    }

    private static (Kind, string) Describe(ChatEvent item) => (item.Kind, item.Sender);

    /// <summary>Half-closes and reads to the end: the last event is the caller's own LEFT, and the call ends OK.</summary>
    private static async Task LeaveAsync(AsyncDuplexStreamingCall<ChatMessage, ChatEvent> call)
    {
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var rest = await call.ResponseStream.ReadToEndAsync();
        Assert.Equal(Kind.Left, Assert.IsType<ChatEvent>(rest.LastOrDefault()).Kind);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }
}
