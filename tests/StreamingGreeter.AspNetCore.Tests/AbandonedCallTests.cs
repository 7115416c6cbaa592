using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>A client that cancels a call or drops its connection mid-call is normal: nothing at Error in the log, and counted.</summary>
public sealed class AbandonedCallTests
{
    private const string Abandoned = "streaminggreeter.calls.abandoned";

    // grpc-dotnet writes one line as it ends a call that failed: at Error for an exception, at Information for a
    // status. Turned up to Information, that line tells a test the call's end has been logged, whichever it is.
    private const string CallEndsLogged = "Logging:LogLevel:Grpc.AspNetCore.Server.ServerCallHandler=Information";

    // Kestrel's line once a connection is gone, after everything it logs about that connection.
    private const string ConnectionEndsLogged = "Logging:LogLevel:Microsoft.AspNetCore.Server.Kestrel.Connections=Debug";

    // Events larger than what HTTP/2 flow control lets through unread, so the server is in the middle of writing.
    private static readonly string LongText = new('x', 4000);

    private static readonly Action<IServiceCollection> NoServices = static _ => { };

    [Fact]
    public Task Subscribe_ClientCancelsWhileServerWrites_NoErrorLoggedAndCountedAsAbandoned() => SubscribeCancelledAsync(NoServices);

    [Fact]
    public Task Chat_ClientCancelsWhileServerWrites_NoErrorLoggedAndCountedAsAbandoned() => ChatCancelledAsync(NoServices);

    [Fact]
    public Task SayHelloStream_ClientCancelsWhileServerWrites_NoErrorLoggedAndCountedAsAbandoned() => SayHelloStreamCancelledAsync(NoServices);

    [Fact]
    public Task Streams_ConnectionDroppedWhileServerWrites_NoErrorLoggedAndEachCountedAsAbandoned() => StreamsDroppedAsync(NoServices);

    // Kestrel cancels RequestAborted from a thread-pool work item, after it has already marked the stream's output
    // complete: on a busy server the call's writes hear of the reset before that token does, and must end it alone.
    [Fact]
    public Task Subscribe_ClientCancelsBeforeRequestAbortedFires_NoErrorLoggedAndCountedAsAbandoned() => SubscribeCancelledAsync(HeldBackRequestAborted.Register);

    [Fact]
    public Task SayHelloStream_ClientCancelsBeforeRequestAbortedFires_NoErrorLoggedAndCountedAsAbandoned() => SayHelloStreamCancelledAsync(HeldBackRequestAborted.Register);

    [Fact]
    public Task Streams_ConnectionDroppedBeforeRequestAbortedFires_NoErrorLoggedAndEachCountedAsAbandoned() => StreamsDroppedAsync(HeldBackRequestAborted.Register);

    private static async Task SubscribeCancelledAsync(Action<IServiceCollection> services)
    {
        await using var server = await TestServer.StartAsync(services, CallEndsLogged);
        using var metrics = new MeterTotals(server);
        var room = Rooms.Unique();
        using var cancellation = new CancellationTokenSource();
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room }, cancellationToken: cancellation.Token);
        await call.ResponseHeadersAsync.DefaultTimeout();
        await PublishManyAsync(server, room);

        await call.ResponseStream.ReadNextAsync();
        await cancellation.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await call.ResponseStream.ReadUntilErrorAsync()).StatusCode);
        await server.Logs.WaitForAsync(EndOfCall).DefaultTimeout();
        Assert.Empty(server.Logs.Errors);
        Assert.Equal(1, metrics[$"{Abandoned}[method=/helloworld.Greeter/Subscribe]"]);
    }

    private static async Task ChatCancelledAsync(Action<IServiceCollection> services)
    {
        await using var server = await TestServer.StartAsync(services, CallEndsLogged);
        using var metrics = new MeterTotals(server);
        var room = Rooms.Unique();
        using var cancellation = new CancellationTokenSource();
        using var chat = server.Client.Chat(cancellationToken: cancellation.Token);
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);
        await PublishManyAsync(server, room);

        await chat.ResponseStream.ReadNextAsync();
        await cancellation.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await chat.ResponseStream.ReadUntilErrorAsync()).StatusCode);
        await server.Logs.WaitForAsync(EndOfCall).DefaultTimeout();
        Assert.Empty(server.Logs.Errors);
        Assert.Equal(1, metrics[$"{Abandoned}[method=/helloworld.Greeter/Chat]"]);
    }

    private static async Task SayHelloStreamCancelledAsync(Action<IServiceCollection> services)
    {
        await using var server = await TestServer.StartAsync(services, CallEndsLogged);
        using var metrics = new MeterTotals(server);
        using var cancellation = new CancellationTokenSource();
        // As fast as the client reads: the server is always writing the next reply.
        using var call = server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 100_000 }, cancellationToken: cancellation.Token);

        await call.ResponseStream.ReadNextAsync();
        await cancellation.CancelAsync();

        Assert.Equal(StatusCode.Cancelled, (await call.ResponseStream.ReadUntilErrorAsync()).StatusCode);
        await server.Logs.WaitForAsync(EndOfCall).DefaultTimeout();
        Assert.Empty(server.Logs.Errors);
        Assert.Equal(1, metrics[$"{Abandoned}[method=/helloworld.Greeter/SayHelloStream]"]);
    }

    private static async Task StreamsDroppedAsync(Action<IServiceCollection> services)
    {
        await using var server = await TestServer.StartAsync(services, CallEndsLogged, ConnectionEndsLogged);
        using var metrics = new MeterTotals(server);
        await using var proxy = new TcpProxy(server.Address.Port);
        using var channel = GrpcChannel.ForAddress(proxy.Address);
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        using var subscriber = client.Subscribe(new SubscribeRequest { Room = room });
        await subscriber.ResponseHeadersAsync.DefaultTimeout();
        using var chat = client.Chat();
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);
        using var greetings = client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 100_000 });
        await greetings.ResponseStream.ReadNextAsync();
        await PublishManyAsync(server, room);
        await chat.ResponseStream.ReadNextAsync();
        await subscriber.ResponseStream.ReadNextAsync();

        // Reset, as a client process that is killed, or a network that breaks, does.
        proxy.Cut();

        await server.Logs.WaitForAsync(EndOfCall, count: 3).DefaultTimeout();
        await server.Logs.WaitForAsync(static e => LogCapture.EventName(e) == "ConnectionStop").DefaultTimeout();
        Assert.Empty(server.Logs.Errors);
        Assert.Equal(3, metrics[Abandoned]);
    }

    private static bool EndOfCall(LogEntry logEvent) =>
        LogCapture.EventName(logEvent) is "ErrorExecutingServiceMethod" or "RpcConnectionError" or "ServiceMethodCanceled";

    /// <summary>More than flow control lets through to a client that does not read, fewer than a subscriber's buffer.</summary>
    private static async Task PublishManyAsync(TestServer server, string room)
    {
        for (var i = 0; i < 500; i++)
        {
            await server.Hub.PublishAsync(room, "Bob", LongText).AsTask().DefaultTimeout();
        }
    }
}
