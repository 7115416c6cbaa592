using System.Globalization;
using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Tests;

/// <summary>Two in-memory hubs over one shared log behave like two nodes of one backplane.</summary>
public sealed class SharedLogTests : IDisposable
{
    private readonly List<InMemoryBroadcastHub> _hubs = [];

    public void Dispose()
    {
        foreach (var hub in _hubs)
        {
            hub.Dispose();
        }
    }

    [Fact]
    public async Task Publish_ConcurrentPublishersOnTwoHubsOverOneLog_EverySubscriberOnEitherSeesOneOrder()
    {
        const int perPublisher = 500;
        const int total = 2 * perPublisher;
        var (first, second) = CreatePair(o => o.SubscriberBufferCapacity = total);
        var room = Rooms.Unique();
        var subscriptions = new[]
        {
            await first.SubscribeAsync(room).DefaultTimeout(),
            await second.SubscribeAsync(room).DefaultTimeout(),
        };

        var reads = subscriptions.Select(s => ReadAsync(s.Events, total)).ToArray();
        await Task.WhenAll(new[] { first, second }.Select((hub, n) => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await hub.PublishAsync(room, $"h{n}", i.ToString(CultureInfo.InvariantCulture)).DefaultTimeout();
            }
        }))).DefaultTimeout();

        var seen = await Task.WhenAll(reads).DefaultTimeout();
        foreach (var events in seen)
        {
            AssertConsecutive(events, 1);
            Assert.Equal(seen[0].Select(e => (e.Sender, e.Text)), events.Select(e => (e.Sender, e.Text)));
            Assert.All(events, e => Assert.Equal(subscriptions[0].Epoch, e.Epoch));
        }

        Assert.Equal(subscriptions[0].Epoch, subscriptions[1].Epoch);
        Assert.Equal(2, seen[0].Select(e => e.Sender).Distinct().Count());
        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }
    }

    [Fact]
    public async Task Subscribe_ResumeOnHubThatNeverHadTheRoom_ReplaysFromTheSharedLogWithNoGapOrDuplicate()
    {
        var (first, second) = CreatePair();
        var room = Rooms.Unique();
        var before = await first.SubscribeAsync(room).DefaultTimeout();
        for (var i = 1; i <= 10; i++)
        {
            await first.PublishAsync(room, "pub", $"m{i}").DefaultTimeout();
        }

        var seenBefore = await ReadAsync(before.Events, 4);
        await before.DisposeAsync().DefaultTimeout();
        var last = seenBefore[^1];

        await using var after = await second.SubscribeAsync(room, new SubscribeOptions { AfterSequence = last.Sequence, Epoch = last.Epoch }).DefaultTimeout();
        await first.PublishAsync(room, "pub", "m11").DefaultTimeout();

        var seenAfter = await ReadAsync(after.Events, 7);
        var all = seenBefore.Concat(seenAfter).ToList();
        AssertConsecutive(all, 1);
        Assert.Equal(Enumerable.Range(1, 11).Select(i => $"m{i}"), all.Select(e => e.Text));
        Assert.Equal(last.Epoch, after.Epoch);
        Assert.False(after.Events.TryRead(out _));
    }

    [Fact]
    public async Task Member_JoinsOnOneHubOverASharedLog_OtherHubSeesJoinedMessageAndLeftInOrder()
    {
        var (first, second) = CreatePair();
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

    [Fact]
    public async Task Publish_SameMessageIdOnOtherHubOverASharedLog_ReturnsTheOriginalAndIsDeliveredOnce()
    {
        var (first, second) = CreatePair();
        var room = Rooms.Unique();
        await using var subscription = await first.SubscribeAsync(room).DefaultTimeout();

        var original = await first.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var retried = await second.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var next = await second.PublishAsync(room, "ann", "next").DefaultTimeout();

        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        var seen = await ReadAsync(subscription.Events, 2);
        Assert.Equal([("once", original.Sequence), ("next", next.Sequence)], seen.Select(e => (e.Text, e.Sequence)));
    }

    [Fact]
    public async Task DisposeAsync_LastSubscriberOnEveryHubGone_SharedLogForgetsTheRoomAndNextPublishStartsANewEpoch()
    {
        var (first, second) = CreatePair(o => o.HistorySize = 0);
        var room = Rooms.Unique();
        var watcher = await first.SubscribeAsync(room).DefaultTimeout();
        var other = await second.SubscribeAsync(room).DefaultTimeout();
        Assert.Equal(1, first.Log.RoomCount);

        await watcher.DisposeAsync().DefaultTimeout();
        Assert.Equal(1, first.Log.RoomCount);
        await other.DisposeAsync().DefaultTimeout();

        Assert.Equal(0, first.Log.RoomCount);
        var again = await second.PublishAsync(room, "ann", "new").DefaultTimeout();
        Assert.Equal(1, again.Sequence);
        Assert.NotEqual(watcher.Epoch, again.Epoch);
    }

    private (InMemoryBroadcastHub First, InMemoryBroadcastHub Second) CreatePair(Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var log = new InMemoryRoomLog(options);
        var first = new InMemoryBroadcastHub(options, log);
        var second = new InMemoryBroadcastHub(options, log);
        _hubs.Add(first);
        _hubs.Add(second);
        return (first, second);
    }
}
