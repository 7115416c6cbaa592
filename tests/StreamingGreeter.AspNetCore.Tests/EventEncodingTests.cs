using Google.Protobuf;
using Grpc.Core;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using StreamingGreeter.Protos;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>
/// An event is serialized once and the same bytes go to every subscriber. The subscribers here read the raw message
/// bytes (a Subscribe call whose response marshaller keeps the bytes), so what they compare is what the server wrote.
/// </summary>
public sealed class EventEncodingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int Subscribers = 24;

    private static readonly Method<SubscribeRequest, byte[]> RawSubscribe = new(
        MethodType.ServerStreaming,
        "helloworld.Greeter",
        "Subscribe",
        Marshallers.Create(static (SubscribeRequest request) => request.ToByteArray(), SubscribeRequest.Parser.ParseFrom),
        Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes));

    private static readonly Method<ChatMessage, byte[]> RawChat = new(
        MethodType.DuplexStreaming,
        "helloworld.Greeter",
        "Chat",
        Marshallers.Create(static (ChatMessage message) => message.ToByteArray(), ChatMessage.Parser.ParseFrom),
        Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes));

    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Subscribe_ManySubscribersOfOneRoom_ReceiveTheSameBytesSerializedOncePerEvent()
    {
        var room = Rooms.Unique();
        var sent = new[] { ("Ada", "first", "m-1"), ("Bob", "second", ""), ("Ada", "third", "m-3") };
        await using var watch = await _server.Hub.SubscribeAsync(room).DefaultTimeout();
        var invoker = _server.Channel.CreateCallInvoker();
        var calls = Enumerable.Range(0, Subscribers)
            .Select(_ => invoker.AsyncServerStreamingCall(RawSubscribe, host: null, default, new SubscribeRequest { Room = room, MaxEvents = sent.Length }))
            .ToList();
        using var decoded = _server.Client.Subscribe(new SubscribeRequest { Room = room, MaxEvents = sent.Length });
        try
        {
            await Task.WhenAll(calls.Select(static call => call.ResponseHeadersAsync)).DefaultTimeout();
            await decoded.ResponseHeadersAsync.DefaultTimeout();

            var replies = new List<PublishReply>();
            foreach (var (sender, text, messageId) in sent)
            {
                replies.Add(await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = sender, Text = text, MessageId = messageId }).ResponseAsync.DefaultTimeout());
            }

            var received = await Task.WhenAll(calls.Select(static call => call.ResponseStream.ReadToEndAsync()));
            var events = await decoded.ResponseStream.ReadToEndAsync();

            // Every subscriber got the very bytes the first one did, and they decode to what was published.
            var first = received[0];
            Assert.Equal(sent.Length, first.Count);
            Assert.All(received, bytes => Assert.Equal(first, bytes));
            var parsed = first.Select(ChatEvent.Parser.ParseFrom).ToList();
            Assert.Equal(
                sent.Select((item, i) => (Kind.Message, room, item.Item1, item.Item2, replies[i].Sequence, replies[i].Epoch, item.Item3)),
                parsed.Select(static e => (e.Kind, e.Room, e.Sender, e.Text, e.Sequence, e.Epoch, e.MessageId)));
            Assert.All(parsed, static e => Assert.NotNull(e.Time));
            // A client of the generated stubs decodes the same messages.
            Assert.Equal(parsed, events);

            // However many streams sent it, the server serialized each event once.
            for (var i = 0; i < sent.Length; i++)
            {
                var item = await watch.Events.ReadAsync().AsTask().DefaultTimeout();
                Assert.Equal(replies[i].Sequence, item.Sequence);
                Assert.Equal(1, ChatEventEncoder.Encode(item).Serializations);
                Assert.Equal(item.Time, parsed[i].Time.ToDateTimeOffset());
            }
        }
        finally
        {
            calls.ForEach(static call => call.Dispose());
        }
    }

    [Fact]
    public async Task Chat_EventsOfItsRoom_SameBytesAsSubscribersAndSerializedOnce()
    {
        var room = Rooms.Unique();
        await using var watch = await _server.Hub.SubscribeAsync(room).DefaultTimeout();
        var invoker = _server.Channel.CreateCallInvoker();
        var subscribers = Enumerable.Range(0, 4)
            .Select(_ => invoker.AsyncServerStreamingCall(RawSubscribe, host: null, default, new SubscribeRequest { Room = room, MaxEvents = 2 }))
            .ToList();
        try
        {
            await Task.WhenAll(subscribers.Select(static call => call.ResponseHeadersAsync)).DefaultTimeout();
            using var chat = invoker.AsyncDuplexStreamingCall(RawChat, host: null, default);

            // Its join (a Joined event), then its message: the chat's own stream carries both, as every subscriber's does.
            await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann", Text = "hi", MessageId = "c-1" }).DefaultTimeout();
            var chatEvents = new List<byte[]> { await chat.ResponseStream.ReadNextAsync(), await chat.ResponseStream.ReadNextAsync() };
            var received = await Task.WhenAll(subscribers.Select(static call => call.ResponseStream.ReadToEndAsync()));
            await chat.RequestStream.CompleteAsync().DefaultTimeout();

            Assert.All(received, bytes => Assert.Equal(chatEvents, bytes));
            var parsed = chatEvents.Select(ChatEvent.Parser.ParseFrom).ToList();
            Assert.Equal(
                [(Kind.Joined, room, "Ann", "", ""), (Kind.Message, room, "Ann", "hi", "c-1")],
                parsed.Select(static e => (e.Kind, e.Room, e.Sender, e.Text, e.MessageId)));
            for (var i = 0; i < parsed.Count; i++)
            {
                var item = await watch.Events.ReadAsync().AsTask().DefaultTimeout();
                Assert.Equal(parsed[i].Sequence, item.Sequence);
                Assert.Equal(1, ChatEventEncoder.Encode(item).Serializations);
            }
        }
        finally
        {
            subscribers.ForEach(static call => call.Dispose());
        }
    }
}
