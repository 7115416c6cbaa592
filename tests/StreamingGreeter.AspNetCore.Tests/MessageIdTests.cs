using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>message_id: a publish or chat message retried with its id is applied once within the deduplication window.</summary>
public sealed class MessageIdTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Publish_RetriedWithSameMessageId_ReturnsOriginalSequenceAndEpochAndSubscriberSeesItOnce()
    {
        var room = Rooms.Unique();
        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, MaxEvents = 2 });
        await call.ResponseHeadersAsync.DefaultTimeout();

        var original = await PublishAsync(_server, room, "once", "m-1");
        var retried = await PublishAsync(_server, room, "once", "m-1");
        var next = await PublishAsync(_server, room, "next");
        var events = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        Assert.Equal(original.Sequence + 1, next.Sequence);
        Assert.Equal([("once", "m-1", original.Sequence), ("next", "", next.Sequence)], events.Select(static e => (e.Text, e.MessageId, e.Sequence)));
    }

    [Fact]
    public async Task Publish_SameMessageIdAfterDeduplicationWindow_IsPublishedAgain()
    {
        var time = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(services => services.AddSingleton<TimeProvider>(time), "Hub:DeduplicationWindow=00:01:00");
        var room = Rooms.Unique();

        var original = await PublishAsync(server, room, "once", "m-1");
        time.Advance(TimeSpan.FromSeconds(59));
        var within = await PublishAsync(server, room, "once", "m-1");
        time.Advance(TimeSpan.FromSeconds(1));
        var after = await PublishAsync(server, room, "once", "m-1");

        Assert.Equal(original.Sequence, within.Sequence);
        Assert.Equal((original.Sequence + 1, original.Epoch), (after.Sequence, after.Epoch));
    }

    [Fact]
    public async Task Chat_MessageResentWithSameMessageId_AppearsOnceToEveryone()
    {
        var room = Rooms.Unique();
        using var watcher = _server.Client.Subscribe(new SubscribeRequest { Room = room });
        await watcher.ResponseHeadersAsync.DefaultTimeout();
        using var chat = _server.Client.Chat();

        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann", Text = "hello", MessageId = "m-1" }).DefaultTimeout();
        await chat.RequestStream.WriteAsync(new ChatMessage { Text = "hello", MessageId = "m-1" }).DefaultTimeout();
        await chat.RequestStream.WriteAsync(new ChatMessage { Text = "bye" }).DefaultTimeout();
        await chat.RequestStream.CompleteAsync().DefaultTimeout();
        var echoed = await chat.ResponseStream.ReadToEndAsync();
        var seen = new List<ChatEvent>();
        for (var i = 0; i < echoed.Count; i++)
        {
            seen.Add(await watcher.ResponseStream.ReadNextAsync());
        }

        (Kind, string, string)[] expected = [(Kind.Joined, "", ""), (Kind.Message, "hello", "m-1"), (Kind.Message, "bye", ""), (Kind.Left, "", "")];
        Assert.Equal(expected, echoed.Select(static e => (e.Kind, e.Text, e.MessageId)));
        Assert.Equal(expected, seen.Select(static e => (e.Kind, e.Text, e.MessageId)));
        Assert.Equal(StatusCode.OK, chat.GetStatus().StatusCode);
    }

    private static async Task<PublishReply> PublishAsync(TestServer server, string room, string text, string messageId = "") =>
        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Ann", Text = text, MessageId = messageId }).ResponseAsync.DefaultTimeout();
}
