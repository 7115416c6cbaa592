using System.ComponentModel.DataAnnotations;
using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Tests;

public sealed class InMemoryBroadcastHubTests : BroadcastHubContractTests, IDisposable
{
    private readonly List<InMemoryBroadcastHub> _hubs = [];
    private readonly ManualTimeProvider _time = new();

    protected override IBroadcastHub CreateHub(Action<BroadcastHubOptions>? configure = null) => Create(configure);

    public void Dispose()
    {
        foreach (var hub in _hubs)
        {
            hub.Dispose();
        }
    }

    private InMemoryBroadcastHub Create(Action<BroadcastHubOptions>? configure = null, HubMetrics? metrics = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = new InMemoryBroadcastHub(options, _time, metrics);
        _hubs.Add(hub);
        return hub;
    }

    [Fact(Timeout = 60_000)]
    public async Task SubscribeAndDispose_TenThousandCycles_LeaveNoRoomOrSubscriber()
    {
        var hub = Create();
        var shared = Rooms.Unique();

        for (var i = 0; i < 10_000; i++)
        {
            var own = await hub.SubscribeAsync($"cycle-{i}");
            var member = await hub.SubscribeAsync(shared, new SubscribeOptions { Member = $"m{i}" });
            await own.DisposeAsync();
            await member.DisposeAsync();
        }

        // Only the shared room remains, for its retained JOINED and LEFT events.
        Assert.Equal(0, hub.SubscriberCount);
        Assert.Equal(1, hub.RoomCount);
        _time.Advance(new BroadcastHubOptions().IdleRoomTimeout);
        hub.RemoveExpiredRooms();
        Assert.Equal(0, hub.RoomCount);
    }

    [Fact]
    public async Task LastSubscriberLeaves_NoHistory_RoomGoesAway()
    {
        var hub = Create(o => o.HistorySize = 0);
        var room = Rooms.Unique();
        var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" });
        await hub.PublishAsync(room, "ann", "hi");
        Assert.Equal(1, hub.RoomCount);

        await subscription.DisposeAsync();

        Assert.Equal(0, hub.RoomCount);
        var again = await hub.PublishAsync(room, "ann", "again");
        Assert.Equal(1, again.Sequence);
        Assert.NotEqual(subscription.Epoch, again.Epoch);
        Assert.Equal(0, hub.RoomCount);
    }

    [Fact]
    public async Task IdleRoom_WithHistory_KeptUntilIdleTimeoutThenRemovedWithNewEpoch()
    {
        var hub = Create(o => o.IdleRoomTimeout = TimeSpan.FromMinutes(5));
        var room = Rooms.Unique();
        var first = await hub.PublishAsync(room, "ann", "kept");

        _time.Advance(TimeSpan.FromMinutes(4));
        hub.RemoveExpiredRooms();
        Assert.Equal(1, hub.RoomCount);
        await using (var resumed = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 0, Epoch = "old" }))
        {
            Assert.Equal(first.Epoch, resumed.Epoch);
            Assert.True(resumed.Events.TryRead(out var replayed));
            Assert.Equal("kept", replayed.Text);
        }

        // Idle again from the moment its last subscriber left.
        _time.Advance(TimeSpan.FromMinutes(5));
        hub.RemoveExpiredRooms();

        Assert.Equal(0, hub.RoomCount);
        var after = await hub.PublishAsync(room, "ann", "fresh");
        Assert.Equal(1, after.Sequence);
        Assert.NotEqual(first.Epoch, after.Epoch);
    }

    [Fact]
    public async Task IdleRoom_WithSubscriber_IsNeverExpired()
    {
        var hub = Create(o => o.IdleRoomTimeout = TimeSpan.FromMinutes(1));
        var room = Rooms.Unique();
        await using var subscription = await hub.SubscribeAsync(room);

        _time.Advance(TimeSpan.FromHours(1));
        hub.RemoveExpiredRooms();

        Assert.Equal(1, hub.RoomCount);
        await hub.PublishAsync(room, "ann", "x");
        Assert.True(subscription.Events.TryRead(out _));
    }

    [Fact]
    public async Task MaxRooms_Reached_EvictsLongestIdleRoom()
    {
        var hub = Create(o => o.MaxRooms = 2);
        var oldest = await hub.PublishAsync("a", "ann", "x");
        _time.Advance(TimeSpan.FromSeconds(1));
        var newer = await hub.PublishAsync("b", "ann", "x");

        await hub.PublishAsync("c", "ann", "x");

        Assert.Equal(2, hub.RoomCount);
        var kept = await hub.PublishAsync("b", "ann", "y");
        Assert.Equal((2L, newer.Epoch), (kept.Sequence, kept.Epoch));
        var recreated = await hub.PublishAsync("a", "ann", "y");
        Assert.Equal(1, recreated.Sequence);
        Assert.NotEqual(oldest.Epoch, recreated.Epoch);
        Assert.Equal(2, hub.RoomCount);
    }

    [Fact]
    public async Task MaxRooms_AllRoomsSubscribed_ThrowsWithLimit()
    {
        var hub = Create(o => o.MaxRooms = 2);
        await using var a = await hub.SubscribeAsync("a");
        await using var b = await hub.SubscribeAsync("b");

        var error = await Assert.ThrowsAsync<RoomLimitExceededException>(() => hub.PublishAsync("c", "ann", "x").AsTask());

        Assert.Equal(2, error.Limit);
        Assert.Equal("rooms", error.Reason);
        Assert.Contains("2 rooms", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await hub.PublishAsync("a", "ann", "x")).Sequence);
    }

    [Fact]
    public async Task SubscribeAsync_RoomAtSubscriberLimit_ThrowsWithLimitAndOtherRoomsStillWork()
    {
        var hub = Create(o => o.MaxSubscribersPerRoom = 2);
        await using var first = await hub.SubscribeAsync("full");
        await using var second = await hub.SubscribeAsync("full");

        var error = await Assert.ThrowsAsync<SubscriberLimitExceededException>(() => hub.SubscribeAsync("full").AsTask());

        Assert.Equal((2, "subscribers_per_room"), (error.Limit, error.Reason));
        Assert.Contains("2 subscribers", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, hub.SubscriberCount);
        await second.DisposeAsync();
        await using var third = await hub.SubscribeAsync("full");
        Assert.Equal(2, hub.SubscriberCount);
    }

    [Fact]
    public async Task Metrics_PublishDeliverDropAndDisconnect_AreCounted()
    {
        var metrics = new HubMetrics();
        using var recorder = new MetricsRecorder(metrics.Meter);
        var dropping = Create(o => { o.SubscriberBufferCapacity = 2; o.SlowSubscriberPolicy = SlowSubscriberPolicy.DropOldest; }, metrics);
        await using var slow = await dropping.SubscribeAsync("a");
        await using var other = await dropping.SubscribeAsync("a");
        for (var i = 0; i < 5; i++)
        {
            await dropping.PublishAsync("a", "ann", "x");
        }

        Assert.Equal(5, recorder["streaminggreeter.events.published"]);
        Assert.Equal(10, recorder["streaminggreeter.events.delivered"]);
        Assert.Equal(6, recorder["streaminggreeter.events.dropped"]);
        Assert.Equal(2, recorder["streaminggreeter.subscribers"]);
        Assert.Equal(1, recorder["streaminggreeter.rooms"]);

        var disconnecting = Create(o => o.SubscriberBufferCapacity = 2, metrics);
        await using var lagging = await disconnecting.SubscribeAsync("b");
        for (var i = 0; i < 3; i++)
        {
            await disconnecting.PublishAsync("b", "ann", "x");
        }

        Assert.Equal(1, recorder["streaminggreeter.subscribers.disconnected"]);
    }

    [Theory]
    [InlineData(nameof(BroadcastHubOptions.SubscriberBufferCapacity), 0)]
    [InlineData(nameof(BroadcastHubOptions.HistorySize), -1)]
    [InlineData(nameof(BroadcastHubOptions.MaxRooms), 0)]
    public void Constructor_OptionOutOfRange_ThrowsNamingIt(string property, int value)
    {
        var options = new BroadcastHubOptions();
        typeof(BroadcastHubOptions).GetProperty(property)!.SetValue(options, value);

        var error = Assert.Throws<ValidationException>(() => new InMemoryBroadcastHub(options));

        Assert.Contains(property, error.Message, StringComparison.Ordinal);
    }
}
