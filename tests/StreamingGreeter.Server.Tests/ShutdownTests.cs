using System.Diagnostics;
using System.Text.Json;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamingGreeter.Server.Tests;

/// <summary>SIGTERM with streams in every state: each that can still hear it ends with its status, and the process exits in seconds.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class ShutdownTests(ITestOutputHelper output)
{
    /// <summary>
    /// Well above the host's shutdown timeout (1.5 s) plus a loaded machine's start-up of the exit, and well below the
    /// 10 s a stalled stream used to hold a shutdown for.
    /// </summary>
    private static readonly TimeSpan ExitBound = TimeSpan.FromSeconds(6);

    private static readonly string Kilobyte = new('x', 1000);

    // The part of the contract the Python client uses; fields it leaves out (ChatEvent.time) are skipped as unknown.
    private const string RoomsProto = """
        syntax = "proto3";

        package helloworld;

        service Greeter {
          rpc Chat (stream ChatMessage) returns (stream ChatEvent) {}
          rpc Subscribe (SubscribeRequest) returns (stream ChatEvent) {}
        }

        message ChatMessage {
          string room = 1;
          string sender = 2;
          string text = 3;
        }

        message ChatEvent {
          int32 kind = 1;
          string room = 2;
          string sender = 3;
          string text = 4;
          int64 sequence = 5;
          string epoch = 7;
        }

        message SubscribeRequest {
          string room = 1;
        }

        """;

    // Opens STREAMS Subscribe calls and one Chat that never half-closes, all on one channel (one HTTP/2 connection),
    // says READY once each is under way, then prints how each ended, as JSON.
    private const string ShutdownClientPy = """
        import collections, json, os, queue, sys, threading
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import grpc
        import rooms_pb2 as pb
        import rooms_pb2_grpc as rpc

        address, streams = sys.argv[1], int(sys.argv[2])
        stub = rpc.GreeterStub(grpc.insecure_channel(address))
        outcomes = collections.Counter()
        lock = threading.Lock()
        started = threading.Semaphore(0)
        never = queue.Queue()

        def ended(how):
            with lock:
                outcomes[how] += 1

        def outcome(error):
            return error.code().name + (" shutting down" if "shutting down" in (error.details() or "") else "")

        def follow(call, under_way):
            # under_way returns once the call is registered: Subscribe's headers, Chat's own JOINED.
            try:
                under_way(call)
                started.release()
                for _ in call:
                    pass
                ended("OK")
            except grpc.RpcError as error:
                started.release()
                ended(outcome(error))

        def subscribe(i):
            follow(stub.Subscribe(pb.SubscribeRequest(room="py-%d" % i)), lambda call: call.initial_metadata())

        def requests():
            yield pb.ChatMessage(room="py-chat", sender="py")
            never.get()

        def chat():
            follow(stub.Chat(requests()), next)

        threads = [threading.Thread(target=subscribe, args=(i,), daemon=True) for i in range(streams)]
        threads.append(threading.Thread(target=chat, daemon=True))
        for thread in threads:
            thread.start()
        for _ in threads:
            started.acquire()
        print("READY", flush=True)
        for thread in threads:
            thread.join(60)
        print(json.dumps(outcomes), flush=True)
        """;

    [Fact]
    public async Task Sigterm_StalledReaderHealthWatchOpenRequestsAnd1000Streams_ExitsWithinSecondsAndEveryListenerGetsUnavailable()
    {
        const int IdleStreams = 1000;
        await using var server = await GreeterServer.StartAsync(0, "--Greeter:MaxStreamsPerConnection=2000", "--Hub:SubscriberBufferCapacity=100000");
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var stalledChannel = GrpcChannel.ForAddress(server.Address);
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();

        // A subscriber that never reads, with more published than its connection can take.
        using var stalled = new Greeter.GreeterClient(stalledChannel).Subscribe(new SubscribeRequest { Room = room });
        await stalled.ResponseHeadersAsync.DefaultTimeout();
        for (var i = 0; i < 400; i++)
        {
            await server.PublishAsync(room, "pub", Kilobyte);
        }

        // A load balancer's health watch, and clients that keep their request side open, on a connection apart from
        // the thousand streams below (see there).
        using var openChannel = GrpcChannel.ForAddress(server.Address);
        using var watch = new Health.HealthClient(openChannel).Watch(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await watch.ResponseStream.ReadNextAsync()).Status);
        var openClient = new Greeter.GreeterClient(openChannel);
        using var many = openClient.SayHelloToMany();
        await many.RequestStream.WriteAsync(new HelloRequest { Name = "Ann" }).DefaultTimeout();
        using var chat = openClient.Chat();
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = Rooms.Unique(), Sender = "ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);

        var idle = Enumerable.Range(0, IdleStreams).Select(_ => client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() })).ToList();
        try
        {
            await Task.WhenAll(idle.Select(static call => call.ResponseHeadersAsync)).DefaultTimeout(TimeSpan.FromSeconds(60));
            // The idle streams' statuses are not asserted here: with a thousand streams on one connection, the .NET
            // client now and then reports one as INTERNAL "server closed the connection" instead of UNAVAILABLE (whether
            // Kestrel's last GOAWAY overtakes its trailers or the client drops them is not settled).
            // Sigterm_StreamsWithEventsStillToWrite asserts the statuses of many streams.
            var outcomes = idle.Select(static call => call.ResponseStream.ReadUntilErrorAsync(TimeSpan.FromSeconds(30))).ToList();
            var watchOutcome = watch.ResponseStream.ReadUntilErrorAsync(TimeSpan.FromSeconds(30));
            var chatOutcome = chat.ResponseStream.ReadUntilErrorAsync(TimeSpan.FromSeconds(30));

            var clock = Stopwatch.StartNew();
            server.Terminate();
            var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(30));
            clock.Stop();
            output.WriteLine($"exited {clock.Elapsed.TotalSeconds:0.000} s after SIGTERM with {IdleStreams + 4} streams open");

            Assert.True(exitCode == 0, $"exit code {exitCode}; output:{Environment.NewLine}{server.Transcript}");
            Assert.True(clock.Elapsed < ExitBound, $"the server took {clock.Elapsed.TotalSeconds:0.000} s to exit");
            // Each idle stream ended, with an error status (ReadUntilErrorAsync fails on OK).
            await Task.WhenAll(outcomes).DefaultTimeout();
            AssertShuttingDown(await watchOutcome);
            // These end with UNAVAILABLE too, except that a .NET client whose request side is still open sometimes
            // reports the connection closing behind it (INTERNAL) instead. That they end, and the exit time above,
            // is what is asserted.
            await chatOutcome;
            await many.ResponseAsync.ThrowsRpcAsync();
            server.AssertNoErrorLogs();
        }
        finally
        {
            idle.ForEach(static call => call.Dispose());
        }
    }

    [SkippableFact]
    public async Task Sigterm_1000StreamsAndAnOpenChatOnOnePythonConnection_EveryOneEndsWithUnavailable()
    {
        const int Streams = 1000;
        Python.RequirePrerequisites();
        var work = Directory.CreateTempSubdirectory("greeter-shutdown-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "rooms.proto"), RoomsProto);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "shutdown_client.py"), ShutdownClientPy);
            await Python.GenerateAsync(work.FullName, "rooms.proto");
            // One caller (127.0.0.1) opens every room here.
            await using var server = await GreeterServer.StartAsync(0, "--Greeter:MaxStreamsPerConnection=2000", "--Hub:MaxRoomsPerCaller=0");
            await using var client = ChildProcess.Start(
                Python.Interpreter,
                [Path.Combine(work.FullName, "shutdown_client.py"), $"127.0.0.1:{server.Port}", $"{Streams}"],
                Python.Environment);
            await client.Output.WaitForLineAsync("READY");

            server.Terminate();
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));
            Assert.True(await client.WaitForExitAsync(TimeSpan.FromSeconds(90)) == 0, client.Transcript);

            // grpcio, unlike the .NET client, reports every one of them as the server ended it.
            var outcomes = JsonSerializer.Deserialize<Dictionary<string, int>>(client.Output.Lines[^1]);
            Assert.Equal(new Dictionary<string, int> { ["UNAVAILABLE shutting down"] = Streams + 1 }, outcomes);
            server.AssertNoErrorLogs();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sigterm_StreamsWithEventsStillToWrite_EveryStreamEndsWithUnavailableNotAReset()
    {
        const int Readers = 20;
        await using var server = await GreeterServer.StartAsync(0, "--Hub:SubscriberBufferCapacity=100000");
        using var channel = GrpcChannel.ForAddress(server.Address);
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        var calls = Enumerable.Range(0, Readers).Select(_ => client.Subscribe(new SubscribeRequest { Room = room })).ToList();
        try
        {
            await Task.WhenAll(calls.Select(static call => call.ResponseHeadersAsync)).DefaultTimeout();
            var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var outcomes = calls.Select(call => ReadUntilErrorAsync(call.ResponseStream, resume.Task)).ToList();

            // The readers pause after the first event; what follows is more than their connection can take, so the
            // server is still writing to every stream when SIGTERM arrives.
            for (var i = 0; i < 400; i++)
            {
                await server.PublishAsync(room, "pub", Kilobyte);
            }

            // Reading again before the signal: a reader that only starts after it may, on a loaded machine, leave a write
            // blocked past the server's grace for stalled writes, which then aborts that stream by design.
            resume.SetResult();
            server.Terminate();
            var errors = await Task.WhenAll(outcomes).DefaultTimeout(TimeSpan.FromSeconds(30));
            Assert.Equal(0, await server.WaitForExitAsync(TimeSpan.FromSeconds(30)));

            Assert.All(errors, AssertShuttingDown);
            server.AssertNoErrorLogs();
        }
        finally
        {
            calls.ForEach(static call => call.Dispose());
        }
    }

    private static void AssertShuttingDown(RpcException error)
    {
        Assert.True(error.StatusCode == StatusCode.Unavailable, $"{error.StatusCode}: {error.Status.Detail} {error.Status.DebugException}");
        Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>Reads one event, waits for <paramref name="resume"/>, then reads until the call fails.</summary>
    private static async Task<RpcException> ReadUntilErrorAsync(IAsyncStreamReader<ChatEvent> reader, Task resume)
    {
        try
        {
            Assert.True(await reader.MoveNext().DefaultTimeout(TimeSpan.FromSeconds(30)));
            await resume.DefaultTimeout(TimeSpan.FromSeconds(60));
            while (await reader.MoveNext().DefaultTimeout(TimeSpan.FromSeconds(30)))
            {
            }
        }
        catch (RpcException error)
        {
            return error;
        }

        throw new InvalidOperationException("the stream ended OK where UNAVAILABLE was expected");
    }
}
