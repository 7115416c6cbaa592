using Google.Protobuf;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Bad input is INVALID_ARGUMENT naming the field and its limit, and the server keeps serving.</summary>
public sealed class ValidationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string RoomPattern = "^[A-Za-z0-9._:-]{1,64}$";

    private static readonly string LongName = new('n', 257);
    private static readonly string LongText = new('t', 65537);
    private static readonly string LongContentType = new('c', 256);
    private static readonly string LongMessageId = new('m', 65);

    private static readonly Dictionary<string, BadInput> Cases = new(StringComparer.Ordinal)
    {
        ["SayHello name empty"] = new(c => Unary(c.SayHelloAsync(new HelloRequest { Name = "" })), "name", "256"),
        ["SayHello name whitespace"] = new(c => Unary(c.SayHelloAsync(new HelloRequest { Name = " \t " })), "name", "256"),
        ["SayHello name 257 chars"] = new(c => Unary(c.SayHelloAsync(new HelloRequest { Name = LongName })), "name", "256"),
        ["SayHelloStream name empty"] = new(c => Stream(c.SayHelloStream(new HelloStreamRequest { Name = "", Count = 1 })), "name", "256"),
        ["SayHelloStream count 0"] = new(c => Stream(c.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 0 })), "count", "100000"),
        ["SayHelloStream count 100001"] = new(c => Stream(c.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 100_001 })), "count", "100000"),
        ["SayHelloStream interval_ms -1"] = new(c => Stream(c.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 1, IntervalMs = -1 })), "interval_ms", "60000"),
        ["SayHelloStream interval_ms 60001"] = new(c => Stream(c.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 1, IntervalMs = 60_001 })), "interval_ms", "60000"),
        ["SayHelloToMany no names"] = new(c => Many(c, []), "name", "at least one"),
        ["SayHelloToMany second name 257 chars"] = new(c => Many(c, ["Ann", LongName]), "name", "256"),
        ["SayHelloToMany second name empty"] = new(c => Many(c, ["Ann", ""]), "name", "256"),
        ["Subscribe room empty"] = new(c => Stream(c.Subscribe(new SubscribeRequest { Room = "" })), "room", RoomPattern),
        ["Subscribe room with space"] = new(c => Stream(c.Subscribe(new SubscribeRequest { Room = "two words" })), "room", RoomPattern),
        ["Subscribe room 65 chars"] = new(c => Stream(c.Subscribe(new SubscribeRequest { Room = new string('r', 65) })), "room", RoomPattern),
        ["Subscribe after_sequence -1"] = new(c => Stream(c.Subscribe(new SubscribeRequest { Room = Rooms.Unique(), AfterSequence = -1 })), "after_sequence", "0 or more"),
        ["Subscribe max_events -1"] = new(c => Stream(c.Subscribe(new SubscribeRequest { Room = Rooms.Unique(), MaxEvents = -1 })), "max_events", "0 or more"),
        ["Publish room invalid"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = "a/b", Text = "x" })), "room", RoomPattern),
        ["Publish text over Greeter:MaxEventBytes"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = LongText })), "text", "Greeter:MaxEventBytes"),
        ["Publish data 65537 bytes"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Data = ByteString.CopyFrom(new byte[65537]) })), "data", "65536"),
        ["Publish content_type 256 chars"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x", ContentType = LongContentType })), "content_type", "255"),
        ["Publish content_type with a newline"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x", ContentType = "text/plain\r\nX-Evil: 1" })), "content_type", "printable ASCII"),
        ["Publish content_type not ASCII"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x", ContentType = "text/plain; charset=ütf-8" })), "content_type", "printable ASCII"),
        ["Publish sender 257 chars"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Sender = LongName, Text = "x" })), "sender", "256"),
        ["Publish message_id 65 chars"] = new(c => Unary(c.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x", MessageId = LongMessageId })), "message_id", "64"),
        ["Chat no first message"] = new(c => Chat(c, []), "room", "first message"),
        ["Chat first message without room"] = new(c => Chat(c, [new ChatMessage { Sender = "Ann" }]), "room", RoomPattern),
        ["Chat first message without sender"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique() }]), "sender", "256"),
        ["Chat first message sender 257 chars"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = LongName }]), "sender", "256"),
        ["Chat first message text over Greeter:MaxEventBytes"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann", Text = LongText }]), "text", "Greeter:MaxEventBytes"),
        ["Chat first message content_type 256 chars"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann", Data = ByteString.CopyFrom(1), ContentType = LongContentType }]), "content_type", "255"),
        ["Chat first message after_sequence -1"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann", AfterSequence = -1 }]), "after_sequence", "0 or more"),
        ["Chat later message other room"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }, new ChatMessage { Room = "another-room", Text = "x" }]), "room", "one room"),
        ["Chat later message text over Greeter:MaxEventBytes"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }, new ChatMessage { Text = LongText }]), "text", "Greeter:MaxEventBytes"),
        ["Chat later message data 65537 bytes"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }, new ChatMessage { Data = ByteString.CopyFrom(new byte[65537]) }]), "data", "65536"),
        ["Chat later message content_type with a tab"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }, new ChatMessage { Text = "x", ContentType = "text/plain;\tq=1" }]), "content_type", "printable ASCII"),
        ["Chat first message message_id 65 chars"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann", Text = "x", MessageId = LongMessageId }]), "message_id", "64"),
        ["Chat later message message_id 65 chars"] = new(c => Chat(c, [new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }, new ChatMessage { Text = "x", MessageId = LongMessageId }]), "message_id", "64"),
    };

    private readonly TestServer _server = fixture.Server;

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Call_BadInput_InvalidArgumentNamingFieldAndLimitAndServerKeepsServing(string caseName)
    {
        var bad = Cases[caseName];

        var error = await bad.Invoke(_server.Client).ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(bad.Field, error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains(bad.Limit, error.Status.Detail, StringComparison.Ordinal);
        await AssertStillServingAsync(_server.Client);
    }

    [Fact]
    public async Task SayHello_MessageOver128KiB_ResourceExhaustedAndServerKeepsServing()
    {
        var error = await _server.Client.SayHelloAsync(new HelloRequest { Name = new string('n', 129 * 1024) }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await AssertStillServingAsync(_server.Client);
    }

    [Fact]
    public async Task Publish_MessageJustUnder128KiB_IsNotRejectedForSize()
    {
        // Just under the limit the size check passes, and the event's check (Greeter:MaxEventBytes) answers instead.
        var error = await _server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = new string('t', 120 * 1024) }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Greeter:MaxEventBytes", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SayHello_MaxReceiveMessageSizeConfigured_LimitFollowsConfiguration()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxReceiveMessageSize=2048");

        var error = await server.Client.SayHelloAsync(new HelloRequest { Name = new string('n', 3000) }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        await AssertStillServingAsync(server.Client);
    }

    private static async Task AssertStillServingAsync(Greeter.GreeterClient client)
    {
        var reply = await client.SayHelloAsync(new HelloRequest { Name = "still there" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("Hello, still there", reply.Message);
    }

    private static Task Unary<T>(AsyncUnaryCall<T> call) => call.ResponseAsync;

    private static async Task Stream<T>(AsyncServerStreamingCall<T> call)
        where T : class
    {
        using (call)
        {
            await call.ResponseStream.ReadToEndAsync();
        }
    }

    private static async Task Many(Greeter.GreeterClient client, string[] names)
    {
        using var call = client.SayHelloToMany();
        try
        {
            foreach (var name in names)
            {
                await call.RequestStream.WriteAsync(new HelloRequest { Name = name });
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server may answer before everything is written; the response carries the reason.
        }

        await call.ResponseAsync;
    }

    private static async Task Chat(Greeter.GreeterClient client, ChatMessage[] messages)
    {
        using var call = client.Chat();
        try
        {
            foreach (var message in messages)
            {
                await call.RequestStream.WriteAsync(message);
            }

            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // As above: the status is read from the response.
        }

        await call.ResponseStream.ReadToEndAsync();
    }

    private sealed record BadInput(Func<Greeter.GreeterClient, Task> Invoke, string Field, string Limit);
}
