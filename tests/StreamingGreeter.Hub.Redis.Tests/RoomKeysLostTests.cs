using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>A room's keys lost or damaged in Redis behind the nodes' backs: deleted, evicted, or of the wrong shape.</summary>
[Collection(RedisCollection.Name)]
public sealed class RoomKeysLostTests(RedisFixture redis) : IAsyncLifetime
{
    private readonly List<RedisBroadcastHub> _hubs = [];
    private ConnectionMultiplexer? _inspector;

    private IDatabase Db => _inspector!.GetDatabase();

    public async Task InitializeAsync() => _inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration).DefaultTimeout();

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync().DefaultTimeout();
        }

        if (_inspector is not null)
        {
            await _inspector.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task Publish_MetaKeyDeleted_NextPublishKeepsEpochAtNextSequenceAndResumeGetsExactlyIt()
    {
        var node = CreateNode();
        var room = Rooms.Unique();
        PublishResult last = default;
        for (var i = 1; i <= 3; i++)
        {
            last = await node.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        Assert.True(await Db.KeyDeleteAsync(Meta(room)).DefaultTimeout());

        var after = await node.PublishAsync(room, "ann", "after").DefaultTimeout();

        Assert.Equal((last.Epoch, 4L), (after.Epoch, after.Sequence));
        Assert.Equal(4, (long)await Db.HashGetAsync(Meta(room), "seq").DefaultTimeout());
        await using var resumed = await CreateNode().SubscribeAsync(room, new SubscribeOptions { AfterSequence = 3, Epoch = last.Epoch }).DefaultTimeout();
        Assert.Equal(last.Epoch, resumed.Epoch);
        var replayed = await ReadAsync(resumed.Events, 1);
        Assert.Equal(("after", 4L, last.Epoch), (replayed[0].Text, replayed[0].Sequence, replayed[0].Epoch));
        // The next event is the next sequence: nothing was replayed twice or skipped in between.
        var next = await node.PublishAsync(room, "ann", "next").DefaultTimeout();
        var live = await ReadAsync(resumed.Events, 1);
        Assert.Equal(("next", 5L, last.Epoch), (live[0].Text, live[0].Sequence, live[0].Epoch));
        Assert.Equal(5, next.Sequence);
    }

    [SkippableFact]
    public async Task Subscribe_MetaKeyDeletedWhileOpenOnNode_SubscriberGetsNextEventsWithNoGapOrDuplicate()
    {
        var watching = CreateNode();
        var other = CreateNode();
        var room = Rooms.Unique();
        await using var subscription = await watching.SubscribeAsync(room).DefaultTimeout();
        for (var i = 1; i <= 3; i++)
        {
            await other.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        var before = await ReadAsync(subscription.Events, 3);

        Assert.True(await Db.KeyDeleteAsync(Meta(room)).DefaultTimeout());

        // From the other node, then from the watching one, whose publish waits for its own subscriber.
        await other.PublishAsync(room, "ann", "m4").DefaultTimeout();
        await other.PublishAsync(room, "ann", "m5").DefaultTimeout();
        var own = await watching.PublishAsync(room, "bob", "m6").DefaultTimeout();

        Assert.Equal((subscription.Epoch, 6L), (own.Epoch, own.Sequence));
        var after = await ReadAsync(subscription.Events, 3);
        var all = before.Concat(after).ToList();
        AssertConsecutive(all, 1);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6"], all.Select(e => e.Text));
        Assert.All(all, e => Assert.Equal(subscription.Epoch, e.Epoch));
        Assert.False(subscription.Events.Completion.IsCompleted);
    }

    [SkippableFact]
    public async Task Subscribe_MetaKeyDeletedBeforeRoomOpensOnNode_OpensAtSameEpochWithHistory()
    {
        var publisher = CreateNode();
        var room = Rooms.Unique();
        PublishResult last = default;
        for (var i = 1; i <= 3; i++)
        {
            last = await publisher.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        Assert.True(await Db.KeyDeleteAsync(Meta(room)).DefaultTimeout());

        await using var resumed = await CreateNode().SubscribeAsync(room, new SubscribeOptions { AfterSequence = 1, Epoch = last.Epoch }).DefaultTimeout();

        Assert.Equal(last.Epoch, resumed.Epoch);
        var next = await publisher.PublishAsync(room, "ann", "m4").DefaultTimeout();
        Assert.Equal((last.Epoch, 4L), (next.Epoch, next.Sequence));
        var events = await ReadAsync(resumed.Events, 3);
        AssertConsecutive(events, 2);
        Assert.Equal(["m2", "m3", "m4"], events.Select(e => e.Text));
    }

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Subscribe_RoomRestartsInRedisWhileOpenOnNode_StreamEndsUnavailableAndResumeGetsNewEpoch(bool logEmptiedNotDeleted)
    {
        var watching = CreateNode();
        var other = CreateNode();
        var room = Rooms.Unique();
        var subscription = await watching.SubscribeAsync(room).DefaultTimeout();
        for (var i = 1; i <= 3; i++)
        {
            await other.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        var before = await ReadAsync(subscription.Events, 3);

        // Nothing left to learn the epoch from: the room starts again at sequence 1, below the watching node's position.
        if (logEmptiedNotDeleted)
        {
            await Db.StreamTrimAsync(Log(room), 0).DefaultTimeout();
            await Db.KeyDeleteAsync(Meta(room)).DefaultTimeout();
        }
        else
        {
            Assert.Equal(2, await Db.KeyDeleteAsync([Meta(room), Log(room)]).DefaultTimeout());
        }

        var restarted = await other.PublishAsync(room, "ann", "again").DefaultTimeout();

        Assert.Equal(1, restarted.Sequence);
        Assert.NotEqual(subscription.Epoch, restarted.Epoch);
        var ended = await Assert.ThrowsAsync<HubUnavailableException>(() => subscription.Events.Completion).DefaultTimeout();
        Assert.Contains("was reset in Redis", ended.Message, StringComparison.Ordinal);
        await subscription.DisposeAsync().DefaultTimeout();
        await using var resumed = await watching.SubscribeAsync(room, new SubscribeOptions { AfterSequence = before[^1].Sequence, Epoch = before[^1].Epoch }).DefaultTimeout();
        Assert.Equal(restarted.Epoch, resumed.Epoch);
        var events = await ReadAsync(resumed.Events, 1);
        Assert.Equal(("again", 1L, restarted.Epoch), (events[0].Text, events[0].Sequence, events[0].Epoch));
    }

    [SkippableFact]
    public async Task Publish_RedisRefusesScript_FailsAsErrorNotUnavailableWritesNothingAndWarnsOnce()
    {
        var logger = new RecordingLogger();
        var node = CreateNode(logger);
        var room = Rooms.Unique();
        var first = await node.PublishAsync(room, "ann", "m1").DefaultTimeout();
        await Db.HashSetAsync(Meta(room), "seq", "not a number").DefaultTimeout();

        var refused = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => node.PublishAsync(room, "ann", "m2").AsTask()).DefaultTimeout();
        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => node.PublishAsync(room, "ann", "m3").AsTask()).DefaultTimeout();

        Assert.Contains("not a number", refused.Message, StringComparison.Ordinal);
        Assert.IsType<RedisServerException>(refused.InnerException);
        Assert.True(node.IsAvailable);
        Assert.Equal(1, await Db.StreamLengthAsync(Log(room)).DefaultTimeout());
        Assert.Equal("not a number", (string?)await Db.HashGetAsync(Meta(room), "seq").DefaultTimeout());
        var warnings = logger.Entries.Where(e => e.Level >= LogLevel.Warning).ToList();
        Assert.Single(warnings);
        Assert.Equal("ScriptRefused", warnings[0].Event.Name);
        Assert.Contains(room, warnings[0].Message, StringComparison.Ordinal);

        await Db.HashSetAsync(Meta(room), "seq", 1).DefaultTimeout();
        var mended = await node.PublishAsync(room, "ann", "m4").DefaultTimeout();
        Assert.Equal((first.Epoch, 2L), (mended.Epoch, mended.Sequence));
    }

    private static RedisKey Meta(string room) => $"streaminggreeter:room:{room}:meta";

    private static RedisKey Log(string room) => $"streaminggreeter:room:{room}:log";

    private RedisBroadcastHub CreateNode(ILogger? logger = null)
    {
        var hub = ConnectedHub.Create(new BroadcastHubOptions(), redis.Server.Configuration, logger);
        _hubs.Add(hub);
        return hub;
    }
}
