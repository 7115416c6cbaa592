using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>The hub's per-caller limits hold for publishes through Redis as in memory: the engine is the same.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisLimitsTests(RedisFixture redis) : IAsyncLifetime
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
    public async Task Publish_CallerAtMaxRoomsPerCaller_RefusesItsNewRoomWhileOthersPublish()
    {
        var node = CreateNode(o => o.MaxRoomsPerCaller = 2);
        var flooder = new PublishOptions { Caller = "flooder" };
        await node.PublishAsync(Rooms.Unique(), "m", "x", flooder).DefaultTimeout();
        await node.PublishAsync(Rooms.Unique(), "m", "x", flooder).DefaultTimeout();

        var refusedRoom = Rooms.Unique();
        var error = await Assert.ThrowsAsync<CallerRoomLimitExceededException>(() => node.PublishAsync(refusedRoom, "m", "x", flooder).AsTask()).DefaultTimeout();

        Assert.Equal("rooms_per_caller", error.Reason);
        Assert.Contains("caller flooder already created 2 rooms that still exist (Hub:MaxRoomsPerCaller)", error.Message, StringComparison.Ordinal);
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        Assert.False(await inspector.GetDatabase().KeyExistsAsync($"streaminggreeter:room:{refusedRoom}:log").DefaultTimeout());
        var other = await node.PublishAsync(refusedRoom, "ann", "x", new PublishOptions { Caller = "other" }).DefaultTimeout();
        Assert.Equal(1, other.Sequence);
    }

    [SkippableFact]
    public async Task Publish_CallerOverMaxRetainedBytesPerCaller_IsRefusedAndRedisGetsNothingOfIt()
    {
        var node = CreateNode(o => o.MaxRetainedBytesPerCaller = 64 * 1024);
        var room = Rooms.Unique();
        var text = new string('x', 1000);
        var flooder = new PublishOptions { Caller = "flooder" };
        RetainedBytesLimitExceededException? error = null;
        var accepted = 0;
        for (var i = 0; i < 100 && error is null; i++)
        {
            try
            {
                await node.PublishAsync(room, "m", text, flooder).DefaultTimeout();
                accepted++;
            }
            catch (RetainedBytesLimitExceededException caught)
            {
                error = caught;
            }
        }

        Assert.NotNull(error);
        Assert.Equal(("retained_bytes_per_caller", "flooder"), (error.Reason, error.Caller));
        Assert.Contains("(Hub:MaxRetainedBytesPerCaller)", error.Message, StringComparison.Ordinal);
        Assert.InRange(accepted, 1, 64 * 1024 / 3000);
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();
        Assert.Equal(accepted, await inspector.GetDatabase().StreamLengthAsync($"streaminggreeter:room:{room}:log").DefaultTimeout());
        var other = await node.PublishAsync(room, "ann", text, new PublishOptions { Caller = "other" }).DefaultTimeout();
        Assert.Equal(accepted + 1, other.Sequence);
    }

    private RedisBroadcastHub CreateNode(Action<BroadcastHubOptions> configure)
    {
        var options = new BroadcastHubOptions();
        configure(options);
        var hub = ConnectedHub.Create(options, redis.Server.Configuration);
        _hubs.Add(hub);
        return hub;
    }
}
