using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Every configured limit refuses with RESOURCE_EXHAUSTED (or its own status), names itself, and harms nobody else.</summary>
public sealed class LimitTests
{
    [Fact]
    public async Task Subscribe_BeyondStreamsPerConnection_ResourceExhaustedWhileOtherConnectionsWork()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxStreamsPerConnection=3");
        // One HTTP/2 connection, so every call below shares it.
        using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        var open = new List<AsyncServerStreamingCall<ChatEvent>>();
        for (var i = 0; i < 3; i++)
        {
            var call = client.Subscribe(new SubscribeRequest { Room = room });
            open.Add(call);
            await call.ResponseHeadersAsync.DefaultTimeout();
        }

        using var refused = client.Subscribe(new SubscribeRequest { Room = room });
        var error = await refused.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("3 open streaming calls", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Greeter:MaxStreamsPerConnection", error.Status.Detail, StringComparison.Ordinal);
        // Unary calls still pass on the full connection, and another connection may open its own streams.
        Assert.Equal("Hello, Ann", (await client.SayHelloAsync(new HelloRequest { Name = "Ann" }).ResponseAsync.DefaultTimeout()).Message);
        using var elsewhere = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await elsewhere.ResponseHeadersAsync.DefaultTimeout();
        Assert.Equal(4, server.Hub.SubscriberCount);

        // A slot freed is a slot to use again.
        open[0].Dispose();
        await Wait.UntilAsync(() => server.Hub.SubscriberCount == 3, () => $"3 subscribers, have {server.Hub.SubscriberCount}");
        using var again = client.Subscribe(new SubscribeRequest { Room = room });
        await again.ResponseHeadersAsync.DefaultTimeout();
        foreach (var call in open)
        {
            call.Dispose();
        }
    }

    [Fact]
    public async Task Publish_BeyondRatePerCaller_ResourceExhaustedNamingTheLimit()
    {
        const int PerSecond = 5;
        await using var server = await TestServer.StartAsync($"Greeter:PublishesPerSecond={PerSecond}");
        var room = Rooms.Unique();

        RpcException? error = null;
        var accepted = 0;
        // The bucket holds one second's worth; however slow this loop, it cannot refill faster than that.
        for (var i = 0; i < 4 * PerSecond && error is null; i++)
        {
            try
            {
                await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }).ResponseAsync.DefaultTimeout();
                accepted++;
            }
            catch (RpcException rejected)
            {
                error = rejected;
            }
        }

        Assert.NotNull(error);
        Assert.True(accepted >= PerSecond, $"only {accepted} publishes passed before the first refusal");
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains($"{PerSecond} messages per second", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("Greeter:PublishesPerSecond", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("Hello, Ann", (await server.Client.SayHelloAsync(new HelloRequest { Name = "Ann" }).ResponseAsync.DefaultTimeout()).Message);
    }

    [Fact]
    public async Task Presence_BeyondRatePerCaller_ResourceExhaustedNamingTheLimitWhileOthersAndPublishesPass()
    {
        const int PerSecond = 3;
        await using var server = await TestServer.StartAsync(TestTokens.Settings($"Greeter:PresenceReadsPerSecond={PerSecond}"));
        using var totals = new MeterTotals(server);
        var room = Rooms.Unique();
        var eve = TestTokens.Call(TestTokens.ForRooms("eve", room));

        // One bucket of one second's worth, refilled once a second, for Presence and PresenceStats together.
        Task Presence() => server.Client.PresenceAsync(new PresenceRequest { Room = room }, eve).ResponseAsync;
        Task Stats() => server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }, eve).ResponseAsync;
        async Task<(int Accepted, RpcException Refused)> PresenceUntilRefusedAsync()
        {
            for (var accepted = 0; ; accepted++)
            {
                Assert.True(accepted < 4 * PerSecond, $"{accepted} presence reads passed without a refusal");
                try
                {
                    await Presence().DefaultTimeout();
                }
                catch (RpcException refused)
                {
                    return (accepted, refused);
                }
            }
        }

        var (accepted, error) = await PresenceUntilRefusedAsync();

        Assert.True(accepted >= PerSecond, $"only {accepted} presence reads passed before the first refusal");
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains($"caller user eve exceeded the presence rate limit of {PerSecond} reads per second (Greeter:PresenceReadsPerSecond)", error.Status.Detail, StringComparison.Ordinal);
        // PresenceStats, made at once, is refused from the same bucket. Only a refill in the moment between the two
        // calls could let it pass, and not three times in a row: a bucket of its own would let it pass every time.
        RpcException? statsRefused = null;
        var refusals = 1;
        for (var attempt = 0; attempt < 3 && statsRefused is null; attempt++)
        {
            try
            {
                await Stats().DefaultTimeout();
                // A refill came between: empty the bucket again (one more refusal) and try once more.
                await PresenceUntilRefusedAsync();
                refusals++;
            }
            catch (RpcException refused)
            {
                statsRefused = refused;
                refusals++;
            }
        }

        Assert.NotNull(statsRefused);
        Assert.Equal(StatusCode.ResourceExhausted, statsRefused.StatusCode);
        Assert.Equal(refusals, totals["streaminggreeter.requests.rejected[reason=presence_rate]"]);
        // Another caller reads the room; the refused one still publishes, which is a budget of its own.
        var stats = await server.Client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.DefaultTimeout();
        Assert.Equal(0, stats.Subscribers);
        var published = await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "still here" }, eve).ResponseAsync.DefaultTimeout();
        Assert.Equal(1, published.Sequence);
    }

    [Fact]
    public async Task Chat_BeyondRatePerCaller_EndsResourceExhaustedAndOthersSeeLeft()
    {
        await using var server = await TestServer.StartAsync("Greeter:PublishesPerSecond=3");
        var room = Rooms.Unique();
        using var watcher = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await watcher.ResponseHeadersAsync.DefaultTimeout();
        using var chat = server.Client.Chat();
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);

        // One message at a time, each written only after the previous one's echo, so no write races the call's end.
        RpcException? error = null;
        for (var i = 0; i < 12 && error is null; i++)
        {
            await chat.RequestStream.WriteAsync(new ChatMessage { Text = "spam" }).DefaultTimeout();
            try
            {
                Assert.Equal("spam", (await chat.ResponseStream.ReadNextAsync()).Text);
            }
            catch (RpcException refused)
            {
                error = refused;
            }
        }

        Assert.NotNull(error);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("Greeter:PublishesPerSecond", error.Status.Detail, StringComparison.Ordinal);
        ChatEvent seen;
        do
        {
            seen = await watcher.ResponseStream.ReadNextAsync();
        }
        while (seen.Kind != ChatEvent.Types.Kind.Left);
        Assert.Equal("Ann", seen.Sender);
    }

    [Fact]
    public async Task Subscribe_BeyondSubscribersPerRoom_ResourceExhaustedNamingTheLimit()
    {
        await using var server = await TestServer.StartAsync("Hub:MaxSubscribersPerRoom=2");
        var room = Rooms.Unique();
        using var first = server.Client.Subscribe(new SubscribeRequest { Room = room });
        using var second = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await first.ResponseHeadersAsync.DefaultTimeout();
        await second.ResponseHeadersAsync.DefaultTimeout();

        using var third = server.Client.Subscribe(new SubscribeRequest { Room = room });
        var error = await third.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("2 subscribers (Hub:MaxSubscribersPerRoom)", error.Status.Detail, StringComparison.Ordinal);
        using var otherRoom = server.Client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() });
        await otherRoom.ResponseHeadersAsync.DefaultTimeout();
    }

    [Fact]
    public async Task Publish_BeyondRoomsInTotal_ResourceExhaustedWhileExistingRoomsWork()
    {
        await using var server = await TestServer.StartAsync("Hub:MaxRooms=1");
        var busy = Rooms.Unique();
        using var subscriber = server.Client.Subscribe(new SubscribeRequest { Room = busy });
        await subscriber.ResponseHeadersAsync.DefaultTimeout();

        var error = await server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Text = "x" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("limit of 1 rooms (Hub:MaxRooms)", error.Status.Detail, StringComparison.Ordinal);
        var reply = await server.Client.PublishAsync(new PublishRequest { Room = busy, Text = "still" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("still", (await subscriber.ResponseStream.ReadNextAsync()).Text);
        Assert.Equal(1, reply.Sequence);
    }

    [Fact]
    public async Task Publish_NewRoomsUntilTheHubIsFull_RefusedAndAnIdleRoomsAcknowledgedHistoryStays()
    {
        await using var server = await TestServer.StartAsync("Hub:MaxRooms=50");
        var victim = Rooms.Unique();
        PublishReply last = new();
        for (var i = 0; i < 5; i++)
        {
            last = await server.Client.PublishAsync(new PublishRequest { Room = victim, Sender = "victim", Text = $"kept {i}" }).ResponseAsync.DefaultTimeout();
        }

        // Another caller creates rooms until the hub refuses: that is where eviction used to take the idle victim's.
        RpcException? refused = null;
        for (var i = 0; i < 100 && refused is null; i++)
        {
            try
            {
                await server.Client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Sender = "flooder", Text = "x" }).ResponseAsync.DefaultTimeout();
            }
            catch (RpcException error)
            {
                refused = error;
            }
        }

        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("(Hub:MaxRooms)", refused.Status.Detail, StringComparison.Ordinal);
        using var resumed = server.Client.Subscribe(new SubscribeRequest { Room = victim, Epoch = last.Epoch, MaxEvents = 5 });
        var replayed = await resumed.ResponseStream.ReadToEndAsync();
        Assert.Equal(["kept 0", "kept 1", "kept 2", "kept 3", "kept 4"], replayed.Select(static e => e.Text));
        Assert.All(replayed, e => Assert.Equal(last.Epoch, e.Epoch));
    }

    [Fact]
    public async Task Subscribe_OneTokenHoldsItsRoomsPerCaller_ItsNextRoomRefusedWhileAnotherTokenStillGetsNewRooms()
    {
        await using var server = await TestServer.StartAsync(TestTokens.Settings("Hub:MaxRooms=20", "Hub:MaxRoomsPerCaller=5"));
        var greedy = TestTokens.ForRooms("greedy", "*");
        var other = TestTokens.ForRooms("other", "*");
        var held = new List<AsyncServerStreamingCall<ChatEvent>>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var call = server.Client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() }, TestTokens.Call(greedy));
                held.Add(call);
                await call.ResponseHeadersAsync.DefaultTimeout();
            }

            using var refused = server.Client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() }, TestTokens.Call(greedy));
            var error = await refused.ResponseStream.ReadUntilErrorAsync();
            using var admitted = server.Client.Subscribe(new SubscribeRequest { Room = Rooms.Unique() }, TestTokens.Call(other));
            await admitted.ResponseHeadersAsync.DefaultTimeout();

            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.Contains("caller user greedy already created 5 rooms that still exist (Hub:MaxRoomsPerCaller)", error.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(6, server.Hub.SubscriberCount);
        }
        finally
        {
            held.ForEach(static call => call.Dispose());
        }
    }

    [Fact]
    public async Task Chat_NoFirstMessage_DeadlineExceededAfterJoinTimeoutAndNothingHeld()
    {
        await using var server = await TestServer.StartAsync("Greeter:ChatJoinTimeout=00:00:00.300");
        using var silent = server.Client.Chat();

        var error = await silent.ResponseStream.ReadUntilErrorAsync();

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        Assert.Contains("Greeter:ChatJoinTimeout", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, server.Hub.SubscriberCount);
        Assert.Equal("Hello, Ann", (await server.Client.SayHelloAsync(new HelloRequest { Name = "Ann" }).ResponseAsync.DefaultTimeout()).Message);
    }
}
