using Google.Protobuf;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Binary data and its content type beside the text: carried live and from history, limited per event in bytes.</summary>
public sealed class BinaryDataTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int MaxEventBytes = 64 * 1024;

    // Not UTF-8: bytes that text would mangle.
    private static readonly ByteString Binary = ByteString.CopyFrom(0x00, 0xFF, 0x80, 0xC3, 0x28, 0x00);

    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Publish_DataAndContentType_ReachLiveSubscriberAndResumeFromHistory()
    {
        var room = Rooms.Unique();
        using var live = _server.Client.Subscribe(new SubscribeRequest { Room = room });
        var headers = await live.ResponseHeadersAsync.DefaultTimeout();

        var reply = await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "a picture", Data = Binary, ContentType = "image/png" }).ResponseAsync.DefaultTimeout();
        var received = await live.ResponseStream.ReadNextAsync();
        using var resumed = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = headers.GetValue(SubscribeHeaders.Epoch), MaxEvents = 1 });
        var replayed = await resumed.ResponseStream.ReadNextAsync();

        foreach (var item in new[] { received, replayed })
        {
            Assert.Equal((reply.Sequence, "ann", "a picture", "image/png"), (item.Sequence, item.Sender, item.Text, item.ContentType));
            Assert.Equal(Binary, item.Data);
        }
    }

    [Fact]
    public async Task Chat_DataWithoutText_IsPublishedAndEchoed()
    {
        var room = Rooms.Unique();
        using var call = _server.Client.Chat();

        await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann", Data = Binary, ContentType = "application/octet-stream" }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await call.ResponseStream.ReadNextAsync()).Kind);
        var first = await call.ResponseStream.ReadNextAsync();
        await call.RequestStream.WriteAsync(new ChatMessage { Data = ByteString.CopyFrom(0xFE) }).DefaultTimeout();
        var second = await call.ResponseStream.ReadNextAsync();

        Assert.Equal((Kind.Message, "Ann", "", "application/octet-stream"), (first.Kind, first.Sender, first.Text, first.ContentType));
        Assert.Equal(Binary, first.Data);
        Assert.Equal((Kind.Message, "", 3L), (second.Kind, second.ContentType, second.Sequence));
        Assert.Equal(ByteString.CopyFrom(0xFE), second.Data);
        await call.RequestStream.CompleteAsync().DefaultTimeout();
    }

    [Fact]
    public async Task Publish_DataAndTextOfExactlyMaxEventBytes_IsAccepted()
    {
        var room = Rooms.Unique();
        var data = ByteString.CopyFrom(new byte[MaxEventBytes - 5]);

        // "€ok" is 5 bytes in UTF-8 (3 for the euro sign): with the data, exactly the limit.
        var reply = await _server.Client.PublishAsync(new PublishRequest { Room = room, Text = "€ok", Data = data }).ResponseAsync.DefaultTimeout();

        Assert.Equal(1, reply.Sequence);
    }

    [Fact]
    public async Task Publish_DataOneByteOverMaxEventBytes_InvalidArgumentNamingTheLimitAndServerKeepsServing()
    {
        var data = ByteString.CopyFrom(new byte[MaxEventBytes + 1]);

        var error = await _server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Data = data }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("data is 65537 bytes: at most 65536 (Greeter:MaxEventBytes)", error.Status.Detail);
        var reply = await _server.Client.SayHelloAsync(new HelloRequest { Name = "still there" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("Hello, still there", reply.Message);
    }

    [Fact]
    public async Task Publish_TextInUtf8OverMaxEventBytes_CountsBytesNotCharacters()
    {
        // 21,846 characters, 65,538 bytes in UTF-8: within the limit as characters, beyond it as bytes.
        var text = new string('€', 21_846);

        var error = await _server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = text }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("text is 65538 bytes: at most 65536 (Greeter:MaxEventBytes)", error.Status.Detail);
    }

    [Fact]
    public async Task Chat_LaterMessageDataAndTextOverMaxEventBytes_InvalidArgumentNamingBoth()
    {
        using var call = _server.Client.Chat();
        await call.RequestStream.WriteAsync(new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(Kind.Joined, (await call.ResponseStream.ReadNextAsync()).Kind);

        await call.RequestStream.WriteAsync(new ChatMessage { Text = "x", Data = ByteString.CopyFrom(new byte[MaxEventBytes]) }).DefaultTimeout();
        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("data and text are 65537 bytes: at most 65536 (Greeter:MaxEventBytes)", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_MaxEventBytesConfigured_LimitFollowsConfiguration()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxEventBytes=1000");

        var accepted = await server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Data = ByteString.CopyFrom(new byte[1000]) }).ResponseAsync.DefaultTimeout();
        var error = await server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Data = ByteString.CopyFrom(new byte[1001]) }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(1, accepted.Sequence);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("data is 1001 bytes: at most 1000 (Greeter:MaxEventBytes)", error.Status.Detail);
    }

    [Fact]
    public async Task Publish_TextOnly_EventHasNoDataAndNoContentType()
    {
        var room = Rooms.Unique();
        using var live = _server.Client.Subscribe(new SubscribeRequest { Room = room });
        await live.ResponseHeadersAsync.DefaultTimeout();

        await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "plain" }).ResponseAsync.DefaultTimeout();
        var received = await live.ResponseStream.ReadNextAsync();

        Assert.Equal(new ChatEvent { Kind = Kind.Message, Room = room, Sender = "ann", Text = "plain", Sequence = 1, Epoch = received.Epoch, Time = received.Time }, received);
    }
}
