using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>
/// Nodes in one process, each with its own connection to one redis-server: what is particular to Redis (its channels and
/// keys). What every scale-out hub does is in <see cref="RedisScaleOutSpecificationTests"/>.
/// </summary>
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
        // Keys expire after the idle timeout and are refreshed every third of it (half of it below 1.5 s): 3 s leaves a
        // late timer on a loaded machine 2 s before the keys would go.
        var node = CreateNode(o => o.IdleRoomTimeout = TimeSpan.FromSeconds(3));
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
        // Keys expire after the idle timeout and are refreshed every third of it (half of it below 1.5 s): 3 s leaves a
        // late timer on a loaded machine 2 s before the keys would go.
        var node = CreateNode(o => o.IdleRoomTimeout = TimeSpan.FromSeconds(3));
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

    private RedisBroadcastHub CreateNode(Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = ConnectedHub.Create(options, redis.Server.Configuration);
        _hubs.Add(hub);
        return hub;
    }
}
