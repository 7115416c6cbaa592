using System.ComponentModel.DataAnnotations;
using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Tests;

public sealed class InMemoryBroadcastHubTests : IDisposable
{
    private readonly List<InMemoryBroadcastHub> _hubs = [];

    private ManualTimeProvider Time { get; } = new();

    public void Dispose()
    {
        foreach (var hub in _hubs)
        {
            hub.Dispose();
        }
    }

    /// <summary>Publishes <paramref name="count"/> events while the subscriber reads nothing; returns how many reached its buffer.</summary>
    private static async Task<int> PublishUnreadAsync(InMemoryBroadcastHub hub, IRoomSubscription subscription, string text, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await hub.PublishAsync(subscription.Room, "ann", text).DefaultTimeout();
        }

        return Drain(subscription).Count;
    }

    private static int EventBytes(string text) => 256 + (3 * ("ann".Length + text.Length));

    private static List<RoomEvent> Drain(IRoomSubscription subscription)
    {
        var events = new List<RoomEvent>();
        while (subscription.Events.TryRead(out var item))
        {
            events.Add(item);
        }

        return events;
    }

    [Fact]
    public async Task GetPresence_RoomUnchanged_OneSnapshotUntilMembersOrSubscribersChange()
    {
        // A room polled for who is in it is read once per change, not copied and sorted on every call.
        var hub = Create();
        var room = Rooms.Unique();
        await using var ann = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        var first = await hub.GetPresenceAsync(room).DefaultTimeout();
        Assert.Same(first, await hub.GetPresenceAsync(room).DefaultTimeout());

        await using var bob = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "bob" }).DefaultTimeout();
        var joined = await hub.GetPresenceAsync(room).DefaultTimeout();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();
        var watched = await hub.GetPresenceAsync(room).DefaultTimeout();
        await bob.DisposeAsync().DefaultTimeout();
        var left = await hub.GetPresenceAsync(room).DefaultTimeout();
        Assert.Same(left, await hub.GetPresenceAsync(room).DefaultTimeout());
        // A subscriber that is no member changes the count alone.
        await watcher.DisposeAsync().DefaultTimeout();
        var unwatched = await hub.GetPresenceAsync(room).DefaultTimeout();

        Assert.Equal([("ann", 1), ("ann bob", 2), ("ann bob", 3), ("ann", 2), ("ann", 1)], new[] { first, joined, watched, left, unwatched }.Select(Seen));

        static (string Members, int Subscribers) Seen(RoomPresence presence) =>
            (string.Join(' ', presence.Members.Select(static m => m.Sender)), presence.Subscribers);
    }

    private InMemoryBroadcastHub Create(Action<BroadcastHubOptions>? configure = null, HubMetrics? metrics = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = new InMemoryBroadcastHub(options, Time, metrics);
        _hubs.Add(hub);
        return hub;
    }

    [Fact]
    public async Task SubscribeAndDispose_TenThousandCycles_LeaveNoRoomOrSubscriber()
    {
        var hub = Create();
        var shared = Rooms.Unique();

        for (var i = 0; i < 10_000; i++)
        {
            var own = await hub.SubscribeAsync($"cycle-{i}").DefaultTimeout();
            var member = await hub.SubscribeAsync(shared, new SubscribeOptions { Member = $"m{i}" }).DefaultTimeout();
            await own.DisposeAsync().DefaultTimeout();
            await member.DisposeAsync().DefaultTimeout();
        }

        // Only the shared room remains, for its retained JOINED and LEFT events.
        Assert.Equal(0, hub.SubscriberCount);
        Assert.Equal(1, hub.RoomCount);
        Time.Advance(new BroadcastHubOptions().IdleRoomTimeout);
        hub.RemoveExpiredRooms();
        Assert.Equal(0, hub.RoomCount);
    }

    [Fact]
    public async Task LastSubscriberLeaves_NoHistory_RoomGoesAway()
    {
        var hub = Create(o => o.HistorySize = 0);
        var room = Rooms.Unique();
        var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await hub.PublishAsync(room, "ann", "hi").DefaultTimeout();
        Assert.Equal(1, hub.RoomCount);

        await subscription.DisposeAsync().DefaultTimeout();

        Assert.Equal(0, hub.RoomCount);
        var again = await hub.PublishAsync(room, "ann", "again").DefaultTimeout();
        Assert.Equal(1, again.Sequence);
        Assert.NotEqual(subscription.Epoch, again.Epoch);
        Assert.Equal(0, hub.RoomCount);
    }

    [Fact]
    public async Task IdleRoom_WithHistory_KeptUntilIdleTimeoutThenRemovedWithNewEpoch()
    {
        var hub = Create(o => o.IdleRoomTimeout = TimeSpan.FromMinutes(5));
        var room = Rooms.Unique();
        var first = await hub.PublishAsync(room, "ann", "kept").DefaultTimeout();

        Time.Advance(TimeSpan.FromMinutes(4));
        hub.RemoveExpiredRooms();
        Assert.Equal(1, hub.RoomCount);
        await using (var resumed = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 0, Epoch = "old" }).DefaultTimeout())
        {
            Assert.Equal(first.Epoch, resumed.Epoch);
            Assert.True(resumed.Events.TryRead(out var replayed));
            Assert.Equal("kept", replayed.Text);
        }

        // Idle again from the moment its last subscriber left.
        Time.Advance(TimeSpan.FromMinutes(5));
        hub.RemoveExpiredRooms();

        Assert.Equal(0, hub.RoomCount);
        var after = await hub.PublishAsync(room, "ann", "fresh").DefaultTimeout();
        Assert.Equal(1, after.Sequence);
        Assert.NotEqual(first.Epoch, after.Epoch);
    }

    [Fact]
    public async Task IdleRoom_WithSubscriber_IsNeverExpired()
    {
        var hub = Create(o => o.IdleRoomTimeout = TimeSpan.FromMinutes(1));
        var room = Rooms.Unique();
        await using var subscription = await hub.SubscribeAsync(room).DefaultTimeout();

        Time.Advance(TimeSpan.FromHours(1));
        hub.RemoveExpiredRooms();

        Assert.Equal(1, hub.RoomCount);
        await hub.PublishAsync(room, "ann", "x").DefaultTimeout();
        Assert.True(subscription.Events.TryRead(out _));
    }

    [Fact]
    public async Task MaxRooms_ReachedByAnotherCaller_RefusesTheNewRoomAndKeepsIdleRoomsHistory()
    {
        var hub = Create(o => o.MaxRooms = 3);
        var victim = new PublishOptions { Caller = "victim" };
        var flooder = new PublishOptions { Caller = "flooder" };
        PublishResult last = default;
        for (var i = 0; i < 5; i++)
        {
            last = await hub.PublishAsync("v", "ann", $"kept {i}", victim).DefaultTimeout();
        }

        await hub.PublishAsync("f1", "mallory", "x", flooder).DefaultTimeout();
        await hub.PublishAsync("f2", "mallory", "x", flooder).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(1));
        var error = await Assert.ThrowsAsync<RoomLimitExceededException>(() => hub.PublishAsync("f3", "mallory", "x", flooder).AsTask()).DefaultTimeout();

        Assert.Equal("rooms", error.Reason);
        Assert.Contains("limit of 3 rooms (Hub:MaxRooms)", error.Message, StringComparison.Ordinal);
        await using var resumed = await hub.SubscribeAsync("v", new SubscribeOptions { Epoch = last.Epoch }).DefaultTimeout();
        Assert.Equal(["kept 0", "kept 1", "kept 2", "kept 3", "kept 4"], Drain(resumed).Select(static e => e.Text));
        Assert.Equal(3, hub.RoomCount);
    }

    [Fact]
    public async Task PublishAsync_WithATokenAndNoOptions_CountsAgainstNoCaller()
    {
        var hub = Create(o => o.MaxRoomsPerCaller = 1);
        using var cancellation = new CancellationTokenSource();

        // An app's own code: the shorthand of the calls it made before per-caller limits existed.
        await hub.PublishAsync("a", "app", "x", cancellation.Token).DefaultTimeout();
        await hub.PublishAsync("b", "app", "x", cancellation.Token).DefaultTimeout();

        Assert.Equal(2, hub.RoomCount);
    }

    [Fact]
    public async Task MaxRoomsPerCaller_Reached_RefusesThatCallerOnlyUntilOneOfItsRoomsGoes()
    {
        var hub = Create(o => o.MaxRoomsPerCaller = 2);
        var flooder = new SubscribeOptions { Caller = "flooder" };
        var first = await hub.SubscribeAsync("f1", flooder).DefaultTimeout();
        await using var second = await hub.SubscribeAsync("f2", flooder).DefaultTimeout();

        var error = await Assert.ThrowsAsync<CallerRoomLimitExceededException>(() => hub.SubscribeAsync("f3", flooder).AsTask()).DefaultTimeout();
        await Assert.ThrowsAsync<CallerRoomLimitExceededException>(() => hub.PublishAsync("f4", "m", "x", new PublishOptions { Caller = "flooder" }).AsTask()).DefaultTimeout();

        Assert.Equal("rooms_per_caller", error.Reason);
        Assert.Contains("caller flooder already created 2 rooms that still exist (Hub:MaxRoomsPerCaller)", error.Message, StringComparison.Ordinal);
        // Others are not held back, in new rooms or in the flooder's.
        await using var other = await hub.SubscribeAsync("o1", new SubscribeOptions { Caller = "other" }).DefaultTimeout();
        await using var joined = await hub.SubscribeAsync("f1", flooder).DefaultTimeout();
        Assert.Equal(3, hub.RoomCount);

        // A room of its own that goes frees a place.
        await first.DisposeAsync().DefaultTimeout();
        await joined.DisposeAsync().DefaultTimeout();
        await using var third = await hub.SubscribeAsync("f3", flooder).DefaultTimeout();
    }

    [Fact]
    public async Task MaxHistoryBytesPerRoom_Reached_OldestEventsMakeWayAndTheRestStaysContiguous()
    {
        var hub = Create(o => o.MaxHistoryBytesPerRoom = 64 * 1024);
        var text = new string('x', 1000);
        PublishResult last = default;
        for (var i = 0; i < 100; i++)
        {
            last = await hub.PublishAsync("r", "ann", text).DefaultTimeout();
        }

        await using var resumed = await hub.SubscribeAsync("r", new SubscribeOptions { Epoch = last.Epoch }).DefaultTimeout();
        var kept = Drain(resumed).Select(static e => e.Sequence).ToList();
        Assert.InRange(hub.RetainedBytes, 1, 64 * 1024);
        Assert.InRange(kept.Count, 2, 99);
        Assert.Equal(Enumerable.Range((int)(last.Sequence - kept.Count + 1), kept.Count).Select(static s => (long)s), kept);
    }

    [Fact]
    public async Task MaxRetainedBytes_Reached_RefusesThePublishAndErasesNobodysHistory()
    {
        var hub = Create(o =>
        {
            o.MaxRetainedBytes = 1 << 20;
            o.MaxRetainedBytesPerCaller = 0;
            o.MaxHistoryBytesPerRoom = 64 * 1024;
        });
        var text = new string('x', 1000);
        RetainedBytesLimitExceededException? error = null;
        var room = 0;
        for (; room < 100 && error is null; room++)
        {
            for (var i = 0; i < 30; i++)
            {
                try
                {
                    await hub.PublishAsync($"r{room}", "ann", text).DefaultTimeout();
                }
                catch (RetainedBytesLimitExceededException caught)
                {
                    error = caught;
                    break;
                }
            }
        }

        Assert.NotNull(error);
        Assert.Equal("retained_bytes", error.Reason);
        Assert.Contains($"limit of {1 << 20} bytes of history (Hub:MaxRetainedBytes)", error.Message, StringComparison.Ordinal);
        Assert.InRange(hub.RetainedBytes, 1, 1 << 20);
        // The first room still has its newest events: nothing was taken from it to make room.
        await using var resumed = await hub.SubscribeAsync("r0", new SubscribeOptions { Epoch = "other" }).DefaultTimeout();
        Assert.Equal(30, Drain(resumed).Last().Sequence);
    }

    [Fact]
    public async Task MaxRetainedBytesPerCaller_Reached_RefusesThatCallerWhileOthersPublish()
    {
        var hub = Create(o => o.MaxRetainedBytesPerCaller = 256 * 1024);
        var text = new string('x', 1000);
        var flooder = new PublishOptions { Caller = "flooder" };
        RetainedBytesLimitExceededException? error = null;
        for (var i = 0; i < 1000 && error is null; i++)
        {
            try
            {
                await hub.PublishAsync($"f{i % 10}", "m", text, flooder).DefaultTimeout();
            }
            catch (RetainedBytesLimitExceededException caught)
            {
                error = caught;
            }
        }

        Assert.NotNull(error);
        Assert.Equal("retained_bytes_per_caller", error.Reason);
        Assert.Equal("flooder", error.Caller);
        Assert.Contains("(Hub:MaxRetainedBytesPerCaller)", error.Message, StringComparison.Ordinal);
        Assert.InRange(hub.RetainedBytes, 1, 256 * 1024);
        var accepted = await hub.PublishAsync("o", "ann", text, new PublishOptions { Caller = "other" }).DefaultTimeout();
        Assert.Equal(1, accepted.Sequence);
    }

    [Fact]
    public async Task MaxSubscriberBufferBytes_Reached_DisconnectsTheSubscriberAfterWhatWasBuffered()
    {
        var hub = Create(o => o.MaxSubscriberBufferBytes = 16 * 1024);
        await using var subscription = await hub.SubscribeAsync("r").DefaultTimeout();
        var text = new string('x', 1000);
        var buffered = await PublishUnreadAsync(hub, subscription, text, 10);

        Assert.InRange(buffered, 1, 16 * 1024 / EventBytes(text));
        await Assert.ThrowsAsync<SubscriberOverflowException>(() => subscription.Events.Completion).DefaultTimeout();
        Assert.Equal(0, hub.SubscriberCount);
    }

    [Fact]
    public async Task MaxSubscriberBufferBytes_ReachedUnderDropOldest_DropsEventsAndKeepsTheSubscriber()
    {
        var hub = Create(o =>
        {
            o.MaxSubscriberBufferBytes = 16 * 1024;
            o.SlowSubscriberPolicy = SlowSubscriberPolicy.DropOldest;
        });
        await using var subscription = await hub.SubscribeAsync("r").DefaultTimeout();
        var text = new string('x', 1000);
        var buffered = await PublishUnreadAsync(hub, subscription, text, 10);

        Assert.InRange(buffered, 1, 9);
        Assert.Equal(1, hub.SubscriberCount);
        // Read, the buffer has room again.
        await hub.PublishAsync("r", "ann", text).DefaultTimeout();
        Assert.True(subscription.Events.TryRead(out var next));
        Assert.Equal(11, next.Sequence);
    }

    [Fact]
    public async Task MaxRooms_AllRoomsSubscribed_ThrowsWithLimit()
    {
        var hub = Create(o => o.MaxRooms = 2);
        await using var a = await hub.SubscribeAsync("a").DefaultTimeout();
        await using var b = await hub.SubscribeAsync("b").DefaultTimeout();

        var error = await Assert.ThrowsAsync<RoomLimitExceededException>(() => hub.PublishAsync("c", "ann", "x").AsTask()).DefaultTimeout();

        Assert.Equal(2, error.Limit);
        Assert.Equal("rooms", error.Reason);
        Assert.Contains("2 rooms", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await hub.PublishAsync("a", "ann", "x").DefaultTimeout()).Sequence);
    }

    [Fact]
    public async Task SubscribeAsync_RoomAtSubscriberLimit_ThrowsWithLimitAndOtherRoomsStillWork()
    {
        var hub = Create(o => o.MaxSubscribersPerRoom = 2);
        await using var first = await hub.SubscribeAsync("full").DefaultTimeout();
        await using var second = await hub.SubscribeAsync("full").DefaultTimeout();

        var error = await Assert.ThrowsAsync<SubscriberLimitExceededException>(() => hub.SubscribeAsync("full").AsTask()).DefaultTimeout();

        Assert.Equal((2, "subscribers_per_room"), (error.Limit, error.Reason));
        Assert.Contains("2 subscribers", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, hub.SubscriberCount);
        await second.DisposeAsync().DefaultTimeout();
        await using var third = await hub.SubscribeAsync("full").DefaultTimeout();
        Assert.Equal(2, hub.SubscriberCount);
    }

    [Fact]
    public async Task Metrics_PublishDeliverDropAndDisconnect_AreCounted()
    {
        var metrics = new HubMetrics();
        using var recorder = new MetricsRecorder(metrics.Meter);
        var dropping = Create(o => { o.SubscriberBufferCapacity = 2; o.SlowSubscriberPolicy = SlowSubscriberPolicy.DropOldest; }, metrics);
        await using var slow = await dropping.SubscribeAsync("a").DefaultTimeout();
        await using var other = await dropping.SubscribeAsync("a").DefaultTimeout();
        for (var i = 0; i < 5; i++)
        {
            await dropping.PublishAsync("a", "ann", "x").DefaultTimeout();
        }

        Assert.Equal(5, recorder["streaminggreeter.events.published"]);
        Assert.Equal(10, recorder["streaminggreeter.events.delivered"]);
        Assert.Equal(6, recorder["streaminggreeter.events.dropped"]);
        Assert.Equal(2, recorder["streaminggreeter.subscribers"]);
        Assert.Equal(1, recorder["streaminggreeter.rooms"]);

        var disconnecting = Create(o => o.SubscriberBufferCapacity = 2, metrics);
        await using var lagging = await disconnecting.SubscribeAsync("b").DefaultTimeout();
        for (var i = 0; i < 3; i++)
        {
            await disconnecting.PublishAsync("b", "ann", "x").DefaultTimeout();
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
