using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>Real server processes sharing rooms through a real redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class ServerNodeTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task Subscribe_NodeKilled_RoundRobinClientResumesOnOtherNodeWithNoGapOrDuplicate()
    {
        const int total = 60;
        const int half = 30;
        await using var nodes = await RedisNodes.StartAsync(redis.Server);
        using var channel = RoundRobinChannel.Create([new Uri(nodes.First.Address), new Uri(nodes.Second.Address)]);
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        var received = new List<ChatEvent>();
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var failures = new List<StatusCode>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        // What a client does: on UNAVAILABLE, subscribe again on the same channel with what it last received.
        var subscriber = Task.Run(async () =>
        {
            var after = 0L;
            var epoch = string.Empty;
            while (received.Count < total)
            {
                Assert.True(failures.Count < 50, $"gave up after {failures.Count} failed attempts: {string.Join(", ", failures)}");
                try
                {
                    using var call = client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = after, Epoch = epoch }, cancellationToken: stop.Token);
                    await call.ResponseHeadersAsync;
                    subscribed.TrySetResult();
                    while (await call.ResponseStream.MoveNext(stop.Token))
                    {
                        var item = call.ResponseStream.Current;
                        received.Add(item);
                        (after, epoch) = (item.Sequence, item.Epoch);
                        if (received.Count == half)
                        {
                            halfway.TrySetResult();
                        }

                        if (received.Count == total)
                        {
                            return;
                        }
                    }
                }
                catch (RpcException error) when (error.StatusCode == StatusCode.Unavailable)
                {
                    failures.Add(error.StatusCode);
                    // A client's back-off before it tries again, not a synchronisation.
                    await Task.Delay(100, stop.Token);
                }
            }
        });

        await subscribed.Task.DefaultTimeout();
        var (victim, survivor) = await nodes.WhichLoggedAsync($"Subscribed to room {room} after sequence 0");
        using var direct = GrpcChannel.ForAddress(survivor.Address);
        var publisher = new Greeter.GreeterClient(direct);
        for (var i = 0; i < half; i++)
        {
            await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = $"m{i}" }).ResponseAsync.DefaultTimeout();
        }

        await halfway.Task.DefaultTimeout();
        await victim.KillAsync();
        for (var i = half; i < total; i++)
        {
            await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = $"m{i}" }).ResponseAsync.DefaultTimeout();
        }

        await subscriber.DefaultTimeout(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), received.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"m{i}"), received.Select(e => e.Text));
        Assert.Single(received.Select(e => e.Epoch).Distinct());
        Assert.NotEmpty(failures);
        // Logged before the resumed stream's first event, which was received: the line is on its way, if not read yet.
        await survivor.Log.WaitForTextAsync($"Subscribed to room {room} after sequence {half}");
    }

    [SkippableFact]
    public async Task RedisStoppedAndRestarted_StreamsEndUnavailableHealthFollowsAndPublishingResumes()
    {
        await using var own = await RedisServer.StartAsync();
        await using var node = await RedisNodes.StartNodeAsync(own);
        using var channel = GrpcChannel.ForAddress(node.Address);
        var client = new Greeter.GreeterClient(channel);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest());
        await UntilStatusAsync(watch.ResponseStream, HealthCheckResponse.Types.ServingStatus.Serving);
        var room = Rooms.Unique();
        using var stream = client.Subscribe(new SubscribeRequest { Room = room });
        await stream.ResponseHeadersAsync.DefaultTimeout();
        var before = await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "before" }).ResponseAsync.DefaultTimeout();
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal("before", stream.ResponseStream.Current.Text);
        using var chat = client.Chat();
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "bob" }).DefaultTimeout();
        Assert.True(await chat.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(ChatEvent.Types.Kind.Joined, chat.ResponseStream.Current.Kind);
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal((ChatEvent.Types.Kind.Joined, "bob"), (stream.ResponseStream.Current.Kind, stream.ResponseStream.Current.Sender));

        await own.StopAsync();

        var ended = await Assert.ThrowsAsync<RpcException>(() => stream.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, ended.StatusCode);
        Assert.Contains("Redis backplane", ended.Status.Detail, StringComparison.Ordinal);
        var chatEnded = await Assert.ThrowsAsync<RpcException>(() => chat.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, chatEnded.StatusCode);
        await UntilStatusAsync(watch.ResponseStream, HealthCheckResponse.Types.ServingStatus.NotServing);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "lost?" }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        Assert.Contains("not acknowledged", refused.Status.Detail, StringComparison.Ordinal);
        using var refusedChat = client.Chat();
        await refusedChat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "bob", Text = "lost?" }).DefaultTimeout();
        var chatRefused = await Assert.ThrowsAsync<RpcException>(() => refusedChat.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, chatRefused.StatusCode);
        using var refusedStream = client.Subscribe(new SubscribeRequest { Room = room });
        var notSubscribed = await Assert.ThrowsAsync<RpcException>(() => refusedStream.ResponseStream.MoveNext()).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, notSubscribed.StatusCode);

        await own.RestartAsync();

        await UntilStatusAsync(watch.ResponseStream, HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(30));
        var after = await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "after" }).ResponseAsync.DefaultTimeout();
        // The test's redis-server keeps nothing on disk: the room starts again, under a new epoch.
        Assert.Equal(1, after.Sequence);
        Assert.NotEqual(before.Epoch, after.Epoch);
        using var resumed = client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = before.Sequence, Epoch = before.Epoch });
        Assert.True(await resumed.ResponseStream.MoveNext().DefaultTimeout());
        Assert.Equal(("after", 1L, after.Epoch), (resumed.ResponseStream.Current.Text, resumed.ResponseStream.Current.Sequence, resumed.ResponseStream.Current.Epoch));
        Assert.False(node.Log.Contains("[ERR]"), node.Transcript);
    }

    [SkippableFact]
    public async Task Start_RedisNotRunning_NotServingAndUnavailableUntilRedisAnswers()
    {
        await using var own = await RedisServer.StartAsync();
        await own.StopAsync();
        await using var node = await RedisNodes.StartNodeAsync(own);
        using var channel = GrpcChannel.ForAddress(node.Address);
        var client = new Greeter.GreeterClient(channel);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "helloworld.Greeter" });
        await UntilStatusAsync(watch.ResponseStream, HealthCheckResponse.Types.ServingStatus.NotServing);
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Sender = "ann", Text = "early" }).ResponseAsync).DefaultTimeout();
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);

        await own.RestartAsync();

        await UntilStatusAsync(watch.ResponseStream, HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(30));
        var published = await client.PublishAsync(new PublishRequest { Room = Rooms.Unique(), Sender = "ann", Text = "now" }).ResponseAsync.DefaultTimeout();
        Assert.Equal(1, published.Sequence);
    }

    [SkippableFact]
    public async Task Subscribe_PubSubDroppedAndNotRestored_HealthNotServingWhileEventsStillArriveThenServing()
    {
        await using var own = await RedisServer.StartAsync();
        await using var watching = await RedisNodes.StartNodeAsync(own, "--Hub:Redis:LivenessInterval", "00:00:00.2");
        await using var other = await RedisNodes.StartNodeAsync(own);
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(own.Configuration + ",allowAdmin=true").DefaultTimeout();
        var server = inspector.GetServer(inspector.GetEndPoints()[0]);
        using var watchingChannel = GrpcChannel.ForAddress(watching.Address);
        using var otherChannel = GrpcChannel.ForAddress(other.Address);
        using var health = new Health.HealthClient(watchingChannel).Watch(new HealthCheckRequest { Service = "helloworld.Greeter" });
        await UntilStatusAsync(health.ResponseStream, HealthCheckResponse.Types.ServingStatus.Serving);
        var room = Rooms.Unique();
        using var stream = new Greeter.GreeterClient(watchingChannel).Subscribe(new SubscribeRequest { Room = room });
        await stream.ResponseHeadersAsync.DefaultTimeout();
        var publisher = new Greeter.GreeterClient(otherChannel);
        await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "m1" }).ResponseAsync.DefaultTimeout();
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        var maxClients = (await server.ConfigGetAsync("maxclients").DefaultTimeout()).Single().Value;
        var received = new List<ChatEvent> { stream.ResponseStream.Current };
        try
        {
            // The pub/sub connections go and no new connection can be made: the watching node cannot hear notifications.
            var clients = await server.ClientListAsync().DefaultTimeout();
            await server.ConfigSetAsync("maxclients", clients.Count(c => c.ClientType != ClientType.PubSub)).DefaultTimeout();
            var killed = (long)await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub").DefaultTimeout();
            Assert.True(killed > 0, "no pub/sub client to kill");

            await UntilStatusAsync(health.ResponseStream, HealthCheckResponse.Types.ServingStatus.NotServing);
            for (var i = 2; i <= 4; i++)
            {
                await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = $"m{i}" }).ResponseAsync.DefaultTimeout();
            }

            // Read from the room's log by the liveness check, with no notification to announce them.
            for (var i = 2; i <= 4; i++)
            {
                Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
                received.Add(stream.ResponseStream.Current);
            }
        }
        finally
        {
            await server.ConfigSetAsync("maxclients", maxClients).DefaultTimeout();
        }

        await UntilStatusAsync(health.ResponseStream, HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(30));
        await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "m5" }).ResponseAsync.DefaultTimeout();
        Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        received.Add(stream.ResponseStream.Current);

        Assert.Equal([1L, 2, 3, 4, 5], received.Select(e => e.Sequence));
        Assert.Equal(["m1", "m2", "m3", "m4", "m5"], received.Select(e => e.Text));
        await watching.Log.WaitForTextAsync("does not deliver the Redis backplane's events: the pub/sub connection");
        await watching.Log.WaitForTextAsync("delivers the Redis backplane's events again");
        Assert.False(watching.Log.Contains("[ERR]"), watching.Transcript);
    }

    [SkippableFact]
    public async Task Room_LastSubscriberGoneOnEveryNode_ChannelReleasedAndKeysExpire()
    {
        await using var first = await RedisNodes.StartNodeAsync(redis.Server, "--Hub:IdleRoomTimeout", "00:00:01");
        await using var second = await RedisNodes.StartNodeAsync(redis.Server, "--Hub:IdleRoomTimeout", "00:00:01");
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        var server = inspector.GetServer(inspector.GetEndPoints()[0]);
        var db = inspector.GetDatabase();
        var room = Rooms.Unique();
        var keys = new RedisKey[] { $"streaminggreeter:room:{room}:meta", $"streaminggreeter:room:{room}:log" };
        var notifications = RedisChannel.Literal($"streaminggreeter:room:{room}:events");
        using var firstChannel = GrpcChannel.ForAddress(first.Address);
        using var secondChannel = GrpcChannel.ForAddress(second.Address);
        using var stop = new CancellationTokenSource();
        var streams = new[] { firstChannel, secondChannel }
            .Select(c => new Greeter.GreeterClient(c).Subscribe(new SubscribeRequest { Room = room }, cancellationToken: stop.Token))
            .ToList();
        foreach (var stream in streams)
        {
            await stream.ResponseHeadersAsync.DefaultTimeout();
        }

        await new Greeter.GreeterClient(firstChannel).PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "hi" }).ResponseAsync.DefaultTimeout();
        foreach (var stream in streams)
        {
            Assert.True(await stream.ResponseStream.MoveNext().DefaultTimeout());
        }

        Assert.Equal(2, await server.SubscriptionSubscriberCountAsync(notifications).DefaultTimeout());
        Assert.Equal(2, await db.KeyExistsAsync(keys).DefaultTimeout());

        await stop.CancelAsync();
        foreach (var stream in streams)
        {
            stream.Dispose();
        }

        await Wait.UntilAsync(() => server.SubscriptionSubscriberCount(notifications) == 0, () => "a node still subscribes to the room's channel");
        await Wait.UntilAsync(() => db.KeyExists(keys) == 0, () => "the room's keys are still in Redis");
    }

    [SkippableFact]
    public async Task Presence_NodeKilled_ItsMembersDisappearWithinTheTtl()
    {
        await using var nodes = await RedisNodes.StartAsync(redis.Server, "--Hub:Redis:PresenceTtl", "00:00:02");
        var room = Rooms.Unique();
        using var firstChannel = GrpcChannel.ForAddress(nodes.First.Address);
        using var secondChannel = GrpcChannel.ForAddress(nodes.Second.Address);
        var onFirst = new Greeter.GreeterClient(firstChannel);
        var onSecond = new Greeter.GreeterClient(secondChannel);
        using var ann = onFirst.Chat();
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "ann" }).DefaultTimeout();
        Assert.True(await ann.ResponseStream.MoveNext().DefaultTimeout());
        using var bob = onSecond.Chat();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "bob" }).DefaultTimeout();
        Assert.True(await bob.ResponseStream.MoveNext().DefaultTimeout());

        var both = await MembersUntilAsync(onSecond, room, static m => m.Count == 2);
        var bothOnFirst = await MembersUntilAsync(onFirst, room, static m => m.Count == 2);
        // Killed: nothing removes its presence but its heartbeat's expiry.
        await nodes.First.KillAsync();
        var left = await MembersUntilAsync(onSecond, room, static m => m.Count == 1, TimeSpan.FromSeconds(2) + TimeoutExtensions.Timeout);

        Assert.Equal(["ann", "bob"], both);
        Assert.Equal(["ann", "bob"], bothOnFirst);
        Assert.Equal(["bob"], left);
    }

    [SkippableFact]
    public async Task Presence_RoomEmptiedOnEveryNode_PresenceKeyRemoved()
    {
        await using var nodes = await RedisNodes.StartAsync(redis.Server);
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        var db = inspector.GetDatabase();
        var room = Rooms.Unique();
        var key = new RedisKey($"streaminggreeter:room:{room}:presence");
        using var firstChannel = GrpcChannel.ForAddress(nodes.First.Address);
        using var secondChannel = GrpcChannel.ForAddress(nodes.Second.Address);
        var chats = new[] { firstChannel, secondChannel }.Select(c => new Greeter.GreeterClient(c).Chat()).ToList();
        foreach (var chat in chats)
        {
            await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "ann" }).DefaultTimeout();
            Assert.True(await chat.ResponseStream.MoveNext().DefaultTimeout());
        }

        await Wait.UntilAsync(() => db.HashLength(key) == 2, () => $"{key} does not have a field for each node");
        foreach (var chat in chats)
        {
            await chat.RequestStream.CompleteAsync().DefaultTimeout();
            while (await chat.ResponseStream.MoveNext().DefaultTimeout())
            {
            }

            chat.Dispose();
        }

        await Wait.UntilAsync(() => !db.KeyExists(key), () => $"{key} is still in Redis");
    }

    /// <summary>
    /// The room's members as <paramref name="client"/>'s node sees them, once they satisfy <paramref name="condition"/>:
    /// another node's part arrives when that node has written it, which nothing announces.
    /// </summary>
    private static async Task<List<string>> MembersUntilAsync(Greeter.GreeterClient client, string room, Func<List<string>, bool> condition, TimeSpan? timeout = null)
    {
        var members = new List<string>();
        await Wait.UntilAsync(
            () =>
            {
                var reply = client.Presence(new PresenceRequest { Room = room }, deadline: DateTime.UtcNow + TimeoutExtensions.Timeout);
                members = [.. reply.Members.Select(static m => m.Sender)];
                return condition(members);
            },
            () => $"room {room} has members {string.Join(", ", members)}",
            timeout);
        return members;
    }

    [Theory]
    [InlineData(new[] { "--Hub:Backplane", "Mongo" }, "Hub:Backplane \"Mongo\" is not a backplane: use InMemory (the default) or Redis")]
    [InlineData(new[] { "--Hub:Backplane", "Redis" }, "Hub:Redis:Configuration is required when Hub:Backplane is Redis")]
    [InlineData(new[] { "--Hub:Backplane", "Redis", "--Hub:Redis:Configuration", "127.0.0.1:6379,nosuchoption=1" }, "Hub:Redis:Configuration is \"127.0.0.1:6379,nosuchoption=1\": it must be a StackExchange.Redis configuration string")]
    public async Task Start_BadBackplaneConfiguration_ExitsWithMessage(string[] args, string message)
    {
        await using var server = GreeterServer.StartProcess(args);

        var exitCode = await server.WaitForExitAsync(TimeoutExtensions.Timeout);

        Assert.Equal(1, exitCode);
        Assert.Contains(message, server.Transcript, StringComparison.Ordinal);
    }


    private static async Task UntilStatusAsync(IAsyncStreamReader<HealthCheckResponse> statuses, HealthCheckResponse.Types.ServingStatus wanted, TimeSpan? timeout = null)
    {
        var seen = new List<HealthCheckResponse.Types.ServingStatus>();
        using var limit = new CancellationTokenSource(timeout ?? TimeoutExtensions.Timeout);
        try
        {
            while (await statuses.MoveNext(limit.Token))
            {
                seen.Add(statuses.Current.Status);
                if (statuses.Current.Status == wanted)
                {
                    return;
                }
            }
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.Cancelled && limit.IsCancellationRequested)
        {
        }

        throw new TimeoutException($"health did not report {wanted}; it reported {string.Join(", ", seen)}");
    }
}
