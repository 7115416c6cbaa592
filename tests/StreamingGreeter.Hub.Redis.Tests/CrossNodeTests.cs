using System.Globalization;
using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>Two nodes in one process, each with its own connection to one redis-server.</summary>
[Collection(RedisCollection.Name)]
public sealed class CrossNodeTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly List<RedisBroadcastHub> _hubs = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task Publish_ConcurrentPublishersOnTwoNodes_EverySubscriberOnEitherNodeSeesOneOrder()
    {
        const int publishersPerNode = 2;
        const int perPublisher = 300;
        const int total = 2 * publishersPerNode * perPublisher;
        var nodes = new[] { CreateNode(o => o.SubscriberBufferCapacity = total), CreateNode(o => o.SubscriberBufferCapacity = total) };
        var room = Rooms.Unique();
        var subscriptions = new List<IRoomSubscription>();
        foreach (var node in nodes)
        {
            subscriptions.Add(await node.SubscribeAsync(room).DefaultTimeout());
            subscriptions.Add(await node.SubscribeAsync(room).DefaultTimeout());
        }

        var reads = subscriptions.Select(s => ReadAsync(s.Events, total)).ToArray();
        await Task.WhenAll(nodes.SelectMany((node, n) => Enumerable.Range(0, publishersPerNode).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await node.PublishAsync(room, $"n{n}p{p}", i.ToString(CultureInfo.InvariantCulture)).DefaultTimeout();
            }
        })))).DefaultTimeout(TimeSpan.FromSeconds(45));

        var seen = await Task.WhenAll(reads).DefaultTimeout();
        foreach (var events in seen)
        {
            AssertConsecutive(events, 1);
            Assert.Equal(seen[0].Select(e => (e.Sender, e.Text)), events.Select(e => (e.Sender, e.Text)));
            Assert.All(events, e => Assert.Equal(subscriptions[0].Epoch, e.Epoch));
            foreach (var group in events.GroupBy(e => e.Sender))
            {
                Assert.Equal(Enumerable.Range(0, perPublisher).Select(i => i.ToString(CultureInfo.InvariantCulture)), group.Select(e => e.Text));
            }
        }

        Assert.Equal(4, seen.Length);
        Assert.Equal(publishersPerNode * 2, seen[0].Select(e => e.Sender).Distinct().Count());
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task Subscribe_ResumeOnOtherNodeWhileFirstPublishes_NoGapAndNoDuplicate()
    {
        const int total = 1500;
        var first = CreateNode(o => o.SubscriberBufferCapacity = total);
        var second = CreateNode(o => o.SubscriberBufferCapacity = total);
        var room = Rooms.Unique();

        // A subscriber on the first node reads a while, then "reconnects" to the second with what it last saw.
        var before = await first.SubscribeAsync(room).DefaultTimeout();
        var published = 0L;
        var quarter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisher = Task.Run(async () =>
        {
            for (var i = 1; i <= total; i++)
            {
                var result = await first.PublishAsync(room, "pub", i.ToString(CultureInfo.InvariantCulture)).DefaultTimeout();
                Volatile.Write(ref published, result.Sequence);
                if (i == total / 4)
                {
                    quarter.TrySetResult();
                }
            }
        });

        await quarter.Task.DefaultTimeout();
        var seenBefore = await ReadAsync(before.Events, total / 4);
        await before.DisposeAsync().DefaultTimeout();
        var last = seenBefore[^1];
        await using var after = await second.SubscribeAsync(room, new SubscribeOptions { AfterSequence = last.Sequence, Epoch = last.Epoch }).DefaultTimeout();
        await publisher.DefaultTimeout(TimeSpan.FromSeconds(45));

        var seenAfter = await ReadAsync(after.Events, (int)(total - last.Sequence));
        var all = seenBefore.Concat(seenAfter).ToList();
        AssertConsecutive(all, 1);
        Assert.Equal(Enumerable.Range(1, total).Select(i => i.ToString(CultureInfo.InvariantCulture)), all.Select(e => e.Text));
        Assert.Equal(last.Epoch, after.Epoch);
        Assert.Equal(total, Volatile.Read(ref published));
        Assert.False(after.Events.TryRead(out _));
    }

    [SkippableFact]
    public async Task Member_JoinsOnOneNode_OtherNodeSeesJoinedMessageAndLeftInOrder()
    {
        var first = CreateNode();
        var second = CreateNode();
        var room = Rooms.Unique();
        await using var watcher = await first.SubscribeAsync(room).DefaultTimeout();

        var member = await second.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await second.PublishAsync(room, "ann", "hi").DefaultTimeout();
        await member.LeaveAsync().DefaultTimeout();

        var own = await ReadAsync(member.Events, 3);
        Assert.Equal([RoomEventKind.Joined, RoomEventKind.Message, RoomEventKind.Left], own.Select(e => e.Kind));
        Assert.False(await member.Events.WaitToReadAsync().AsTask().DefaultTimeout());
        var seen = await ReadAsync(watcher.Events, 3);
        Assert.Equal(own.Select(e => (e.Kind, e.Sequence)), seen.Select(e => (e.Kind, e.Sequence)));
        await member.DisposeAsync().DefaultTimeout();
    }

    [SkippableFact]
    public async Task Member_JoinsWhileOtherNodePublishes_OwnJoinedIsFirstEventThenNoGap()
    {
        var first = CreateNode();
        var second = CreateNode();
        var room = Rooms.Unique();
        using var stop = new CancellationTokenSource();
        var publishing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisher = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await first.PublishAsync(room, "pub", "x").DefaultTimeout();
                publishing.TrySetResult();
            }
        });
        await publishing.Task.DefaultTimeout();

        for (var i = 0; i < 5; i++)
        {
            await using var member = await second.SubscribeAsync(room, new SubscribeOptions { Member = $"m{i}" }).DefaultTimeout();
            var events = await ReadAsync(member.Events, 20);
            Assert.Equal((RoomEventKind.Joined, $"m{i}"), (events[0].Kind, events[0].Sender));
            AssertConsecutive(events, events[0].Sequence);
        }

        await stop.CancelAsync();
        await publisher.DefaultTimeout();
    }

    [SkippableFact]
    public async Task Subscribe_ManySubscribersOnTwoNodes_OneRedisSubscriptionPerNodeServesThemAll()
    {
        const int perNode = 20;
        var nodes = new[] { CreateNode(), CreateNode() };
        var room = Rooms.Unique();
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        var server = inspector.GetServer(inspector.GetEndPoints()[0]);
        var subscriptions = new List<IRoomSubscription>();
        foreach (var node in nodes)
        {
            for (var i = 0; i < perNode; i++)
            {
                subscriptions.Add(await node.SubscribeAsync(room).DefaultTimeout());
            }
        }

        await nodes[1].PublishAsync(room, "ann", "to all").DefaultTimeout();

        foreach (var subscription in subscriptions)
        {
            var events = await ReadAsync(subscription.Events, 1);
            Assert.Equal(("to all", 1L), (events[0].Text, events[0].Sequence));
        }

        Assert.Equal(2, await server.SubscriptionSubscriberCountAsync(RedisChannel.Literal($"streaminggreeter:room:{room}:events")).DefaultTimeout());
        Assert.Equal([perNode, perNode], nodes.Select(n => n.SubscriberCount));
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task IdleRoom_AfterIdleTimeout_NodeReleasesItAndRedisKeysExpire()
    {
        var node = CreateNode(o => o.IdleRoomTimeout = TimeSpan.FromSeconds(1));
        var room = Rooms.Unique();
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        var db = inspector.GetDatabase();
        var keys = new RedisKey[] { $"streaminggreeter:room:{room}:meta", $"streaminggreeter:room:{room}:log" };
        var channel = RedisChannel.Literal($"streaminggreeter:room:{room}:events");
        var server = inspector.GetServer(inspector.GetEndPoints()[0]);

        var subscription = await node.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await node.PublishAsync(room, "ann", "hi").DefaultTimeout();
        Assert.Equal(1, node.RoomCount);
        Assert.Equal(2, await db.KeyExistsAsync(keys).DefaultTimeout());
        Assert.Equal(1, await server.SubscriptionSubscriberCountAsync(channel).DefaultTimeout());

        await subscription.DisposeAsync().DefaultTimeout();

        await Wait.UntilAsync(() => node.RoomCount == 0, () => $"{node.RoomCount} rooms still open on the node");
        await Wait.UntilAsync(() => server.SubscriptionSubscriberCount(channel) == 0, () => "the node still subscribes to the room's channel");
        await Wait.UntilAsync(() => db.KeyExists(keys) == 0, () => "the room's keys are still in Redis");
        var again = await node.PublishAsync(room, "ann", "new room").DefaultTimeout();
        Assert.Equal(1, again.Sequence);
        Assert.NotEqual(subscription.Epoch, again.Epoch);
    }

    [SkippableFact]
    public async Task Subscribe_RoomWithSubscribersAndNoPublishes_KeysKeptPastExpiry()
    {
        var node = CreateNode(o => o.IdleRoomTimeout = TimeSpan.FromSeconds(1));
        var room = Rooms.Unique();
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        var meta = new RedisKey($"streaminggreeter:room:{room}:meta");
        var first = await node.PublishAsync(room, "ann", "one").DefaultTimeout();
        await using var subscription = await node.SubscribeAsync(room).DefaultTimeout();

        // Three expiry periods pass with nobody publishing; the subscribed node keeps the room alive.
        var expiries = 0;
        var ttl = await inspector.GetDatabase().KeyTimeToLiveAsync(meta).DefaultTimeout();
        Assert.NotNull(ttl);
        await Wait.UntilAsync(
            () =>
            {
                var now = inspector.GetDatabase().KeyTimeToLive(meta);
                Assert.NotNull(now);
                if (now > ttl)
                {
                    expiries++;
                }

                ttl = now;
                return expiries >= 3;
            },
            () => $"the room's expiry was refreshed {expiries} times");

        var second = await node.PublishAsync(room, "ann", "two").DefaultTimeout();
        Assert.Equal((first.Epoch, 2L), (second.Epoch, second.Sequence));
        var events = await ReadAsync(subscription.Events, 1);
        Assert.Equal("two", events[0].Text);
    }

    [SkippableFact]
    public async Task Publish_RetryWithSameMessageIdOnOtherNode_ReturnsOriginalSequenceAndEpochAndIsDeliveredOnce()
    {
        var first = CreateNode();
        var second = CreateNode();
        var room = Rooms.Unique();
        await using var subscription = await second.SubscribeAsync(room).DefaultTimeout();

        var original = await first.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var retried = await second.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var next = await second.PublishAsync(room, "ann", "next").DefaultTimeout();
        var seen = await ReadAsync(subscription.Events, 2);

        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        Assert.Equal([("once", "m-1", original.Sequence), ("next", null, next.Sequence)], seen.Select(e => (e.Text, e.MessageId, e.Sequence)));
    }

    [SkippableFact]
    public async Task Publish_RetryWithSameMessageIdAfterNodeRestart_ReturnsOriginalSequence()
    {
        var room = Rooms.Unique();
        var before = CreateNode();
        var original = await before.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        _hubs.Remove(before);
        await before.DisposeAsync().DefaultTimeout();

        var restarted = CreateNode();
        var retried = await restarted.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();

        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
    }

    private RedisBroadcastHub CreateNode(Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = ConnectedHub.Create(options, redis.Server.Configuration);
        _hubs.Add(hub);
        return hub;
    }
}
