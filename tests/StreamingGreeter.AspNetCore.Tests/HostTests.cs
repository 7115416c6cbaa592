using System.Diagnostics;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Graceful shutdown of a server made of the library, and two such servers in one process.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class HostTests
{
    [Fact]
    public async Task TwoHostsInOneProcess_EachLogsToItsOwnLogger_AlsoAfterTheOtherIsDisposed()
    {
        string[] verbose = ["Logging:LogLevel:Microsoft.AspNetCore.Routing=Trace"];
        var first = await TestServer.StartAsync(verbose);
        var firstLogs = first.Logs;
        await using var second = await TestServer.StartAsync(verbose);

        // Routing's matcher, and its logger, are made on a host's first request: here, after the other host started,
        // and for the second host after the first was disposed.
        await first.Client.SayHelloAsync(new HelloRequest { Name = "first" }).ResponseAsync.DefaultTimeout();
        await first.DisposeAsync();
        await second.Client.SayHelloAsync(new HelloRequest { Name = "second" }).ResponseAsync.DefaultTimeout();

        // The matcher logs before the call runs, so its line is in the capture once the answer is back.
        static int SayHellos(LogCapture logs) => logs.Messages.Count(static m => m.Contains("candidate(s) found for the request path '/helloworld.Greeter/SayHello'", StringComparison.Ordinal));
        Assert.Equal(1, SayHellos(firstLogs));
        Assert.Equal(1, SayHellos(second.Logs));
    }

    [Fact]
    public async Task StopAsync_1000OpenStreams_EveryStreamUnavailableAndStopWellBeforeShutdownTimeout()
    {
        const int Streams = 1000;
        // Greeter:MaxStreamsPerConnection is 100 streaming calls per connection.
        const int Channels = 10;
        // A shutdown that waited for the streams instead of ending them would take the whole 30 s.
        await using var server = await TestServer.StartAsync("HostOptions:ShutdownTimeout=00:00:30");
        var clients = Enumerable.Range(0, Channels).Select(_ => new Greeter.GreeterClient(server.CreateChannel())).ToArray();
        var calls = new List<AsyncServerStreamingCall<ChatEvent>>(Streams);
        for (var i = 0; i < Streams; i++)
        {
            calls.Add(clients[i % Channels].Subscribe(new SubscribeRequest { Room = $"shutdown-{i % 10}" }));
        }

        try
        {
            await Wait.UntilAsync(() => server.Hub.SubscriberCount == Streams, () => $"{Streams} subscribers, have {server.Hub.SubscriberCount}", TimeSpan.FromSeconds(30));
            var outcomes = calls.Select(static call => call.ResponseStream.ReadUntilErrorAsync(TimeSpan.FromSeconds(30))).ToList();

            var stopwatch = Stopwatch.StartNew();
            await server.StopAsync();
            stopwatch.Stop();
            var errors = await Task.WhenAll(outcomes).DefaultTimeout();

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(8), $"the host took {stopwatch.Elapsed.TotalSeconds:0.0} s to stop with {Streams} open streams");
            Assert.All(errors, error =>
            {
                Assert.Equal(StatusCode.Unavailable, error.StatusCode);
                // Ended by the server's shutdown, not by a dropped connection.
                Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
            });
            Assert.Equal(0, server.Hub.SubscriberCount);
        }
        finally
        {
            foreach (var call in calls)
            {
                call.Dispose();
            }
        }
    }

    [Fact]
    public async Task StopAsync_OpenChatAndGreetingStreams_EndUnavailable()
    {
        await using var server = await TestServer.StartAsync();
        var chatId = Guid.NewGuid().ToString("N");
        using var chat = server.Client.Chat(CallTracker.Headers(chatId));
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = Rooms.Unique(), Sender = "Ann" }).DefaultTimeout();
        await chat.ResponseStream.ReadNextAsync();
        using var greetings = server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 1000, IntervalMs = 1000 });
        await greetings.ResponseStream.ReadNextAsync();

        var chatOutcome = chat.ResponseStream.ReadUntilErrorAsync();
        var greetingsOutcome = greetings.ResponseStream.ReadUntilErrorAsync();
        await server.StopAsync(TimeSpan.FromSeconds(5));
        var chatError = await chatOutcome.DefaultTimeout();
        var greetingsError = await greetingsOutcome.DefaultTimeout();

        Assert.True(greetingsError.StatusCode == StatusCode.Unavailable, $"SayHelloStream ended with {greetingsError}");
        // The server ends the chat with UNAVAILABLE. The chat's request side is still open, and the .NET HTTP/2 client
        // can lose the trailers when the connection closes right after them: then it reports INTERNAL for the closed
        // connection. What the server sent is checked on the server.
        var serverSent = Assert.IsType<RpcException>(await server.Calls.HandlerEnded(chatId).DefaultTimeout());
        Assert.Equal(StatusCode.Unavailable, serverSent.StatusCode);
        Assert.True(
            chatError.StatusCode == StatusCode.Unavailable
            || (chatError.StatusCode == StatusCode.Internal && chatError.Status.Detail.Contains("server closed the connection", StringComparison.Ordinal)),
            $"Chat ended with {chatError}");
    }

    [Fact]
    public async Task StopAsync_WhilePublishersRun_EveryAcknowledgedEventIsInHistory()
    {
        // History large enough to hold every event of the test: what is asked is that none is lost, not how many are kept.
        await using var server = await TestServer.StartAsync("Greeter:PublishesPerSecond=0", "Hub:HistorySize=1000000");
        var room = Rooms.Unique();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<long>();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publishers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            var client = new Greeter.GreeterClient(server.CreateChannel());
            try
            {
                while (true)
                {
                    var reply = await client.PublishAsync(new PublishRequest { Room = room, Sender = $"p{p}", Text = "x" }).ResponseAsync.DefaultTimeout();
                    acknowledged.Add(reply.Sequence);
                    if (acknowledged.Count >= 200)
                    {
                        running.TrySetResult();
                    }
                }
            }
            catch (RpcException)
            {
                // Refused or cut off by the shutdown: not acknowledged, so not counted.
            }
        })).ToArray();

        await running.Task.DefaultTimeout();
        await server.StopAsync();
        await Task.WhenAll(publishers).DefaultTimeout();

        // The hub outlives the stopped server until disposal: read its history for the room.
        await using var history = await server.Hub.SubscribeAsync(room, new StreamingGreeter.Hub.SubscribeOptions { Epoch = "none" }).DefaultTimeout();
        var retained = new HashSet<long>();
        while (history.Events.TryRead(out var item))
        {
            retained.Add(item.Sequence);
        }

        Assert.True(acknowledged.Count >= 200);
        Assert.All(acknowledged, sequence => Assert.Contains(sequence, retained));
    }
}
