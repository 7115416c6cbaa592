using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Specification.Tests;

/// <summary>
/// What every <see cref="IBroadcastHub"/> implementation must do, one hub at a time. Each implementation's test class
/// inherits it and says how to make and dispose of its hub; every hub a test makes is disposed of after it.
/// </summary>
public abstract class BroadcastHubSpecification : IAsyncLifetime
{
    private readonly List<IBroadcastHub> _hubs = [];

    /// <summary>The clock every hub of a test runs on.</summary>
    protected ManualTimeProvider Time { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await DisposeHubAsync(hub).DefaultTimeout();
        }
    }

    /// <summary>A new hub with <paramref name="options"/> on <see cref="Time"/>, ready to publish and subscribe when returned.</summary>
    protected abstract IBroadcastHub CreateNewHub(BroadcastHubOptions options);

    /// <summary>Disposes of a hub <see cref="CreateNewHub"/> made, once the test is over.</summary>
    protected abstract ValueTask DisposeHubAsync(IBroadcastHub hub);

    private IBroadcastHub CreateHub(Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = CreateNewHub(options);
        _hubs.Add(hub);
        return hub;
    }

    [SkippableFact]
    public async Task Publish_NoSubscriber_SequenceStartsAtOneAndGrowsByOne()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();

        var first = await hub.PublishAsync(room, "ann", "one").DefaultTimeout();
        var second = await hub.PublishAsync(room, "ann", "two").DefaultTimeout();

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.False(string.IsNullOrEmpty(first.Epoch));
        Assert.Equal(first.Epoch, second.Epoch);
    }

    [SkippableFact]
    public async Task Publish_ConcurrentPublishers_EverySubscriberSeesOneOrderWithNoGap()
    {
        const int publishers = 4;
        const int perPublisher = 500;
        var hub = CreateHub(o => o.SubscriberBufferCapacity = publishers * perPublisher);
        var room = Rooms.Unique();
        var subscriptions = new List<IRoomSubscription>();
        for (var i = 0; i < 3; i++)
        {
            subscriptions.Add(await hub.SubscribeAsync(room).DefaultTimeout());
        }

        var reads = subscriptions.Select(s => ReadAsync(s.Events, publishers * perPublisher)).ToArray();
        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var i = 0; i < perPublisher; i++)
            {
                await hub.PublishAsync(room, $"p{p}", i.ToString(System.Globalization.CultureInfo.InvariantCulture)).DefaultTimeout();
            }
        }))).DefaultTimeout();

        var seen = await Task.WhenAll(reads).DefaultTimeout();
        foreach (var events in seen)
        {
            AssertConsecutive(events, 1);
            Assert.Equal(seen[0].Select(e => (e.Sender, e.Text)), events.Select(e => (e.Sender, e.Text)));
            // Each publisher's own messages keep the order it published them in.
            foreach (var group in events.GroupBy(e => e.Sender))
            {
                Assert.Equal(Enumerable.Range(0, perPublisher).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), group.Select(e => e.Text));
            }
        }

        foreach (var subscription in subscriptions)
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task Subscribe_AfterSequenceWhileOthersPublish_NoGapAndNoDuplicateAtSeam()
    {
        const int total = 3000;
        // A buffer for every event: the test reads only once the publisher is done, and is about the seam, not overflow.
        var hub = CreateHub(o =>
        {
            o.HistorySize = total;
            o.SubscriberBufferCapacity = total;
        });
        var room = Rooms.Unique();
        var published = 0L;
        var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var publisher = Task.Run(async () =>
        {
            for (var i = 0; i < total; i++)
            {
                var result = await hub.PublishAsync(room, "pub", "x").DefaultTimeout();
                Volatile.Write(ref published, result.Sequence);
                if (i == total / 3)
                {
                    halfway.TrySetResult();
                }
            }
        });

        await halfway.Task.DefaultTimeout();
        var resumeAfter = Volatile.Read(ref published) / 2;
        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = resumeAfter }).DefaultTimeout();
        await publisher.DefaultTimeout();

        var events = await ReadAsync(subscription.Events, (int)(total - resumeAfter));
        AssertConsecutive(events, resumeAfter + 1);
        Assert.Equal(total, events[^1].Sequence);
        Assert.False(subscription.Events.TryRead(out _));
    }

    [SkippableFact]
    public async Task Subscribe_SameEpoch_ReplaysOnlyAfterSequence()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        PublishResult last = default;
        for (var i = 0; i < 5; i++)
        {
            last = await hub.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 3, Epoch = last.Epoch }).DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 2);
        Assert.Equal([4L, 5L], events.Select(e => e.Sequence));
        Assert.Equal(["m3", "m4"], events.Select(e => e.Text));
        Assert.Equal(last.Epoch, subscription.Epoch);
    }

    [SkippableFact]
    public async Task Subscribe_OtherEpoch_IgnoresAfterSequenceAndReplaysAllRetained()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        for (var i = 0; i < 5; i++)
        {
            await hub.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 4, Epoch = "an-epoch-from-before" }).DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 5);
        AssertConsecutive(events, 1);
        Assert.NotEqual("an-epoch-from-before", subscription.Epoch);
    }

    [SkippableFact]
    public async Task Subscribe_AfterSequenceZero_StartsLive()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await hub.PublishAsync(room, "ann", "old").DefaultTimeout();

        await using var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        await hub.PublishAsync(room, "ann", "new").DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 1);
        Assert.Equal("new", events[0].Text);
        Assert.Equal(2, events[0].Sequence);
    }

    [SkippableFact]
    public async Task Subscribe_AfterSequenceZeroWithTheRoomsEpoch_ReplaysAllRetained()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        var first = await hub.PublishAsync(room, "ann", "m1").DefaultTimeout();
        await hub.PublishAsync(room, "ann", "m2").DefaultTimeout();

        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 0, Epoch = first.Epoch }).DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 2);
        Assert.Equal(["m1", "m2"], events.Select(e => e.Text));
    }

    [SkippableFact]
    public async Task StartSequence_Live_IsTheRoomsLastSequenceAndResumingThereMissesNothing()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using (var empty = await hub.SubscribeAsync(room).DefaultTimeout())
        {
            Assert.Equal(0, empty.StartSequence);
        }

        for (var i = 1; i <= 3; i++)
        {
            await hub.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        Assert.Equal(3, subscription.StartSequence);
        // The call breaks before any event arrived; meanwhile two more are published.
        await subscription.DisposeAsync().DefaultTimeout();
        await hub.PublishAsync(room, "ann", "m4").DefaultTimeout();
        await hub.PublishAsync(room, "ann", "m5").DefaultTimeout();

        await using var resumed = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = subscription.StartSequence, Epoch = subscription.Epoch }).DefaultTimeout();
        var events = await ReadAsync(resumed.Events, 2);
        Assert.Equal(["m4", "m5"], events.Select(e => e.Text));
    }

    [SkippableFact]
    public async Task StartSequence_EmptyRoom_ResumingWithItsEpochGetsTheFirstEvents()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        await subscription.DisposeAsync().DefaultTimeout();
        await hub.PublishAsync(room, "ann", "m1").DefaultTimeout();

        await using var resumed = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = subscription.StartSequence, Epoch = subscription.Epoch }).DefaultTimeout();

        var events = await ReadAsync(resumed.Events, 1);
        Assert.Equal((1L, "m1"), (events[0].Sequence, events[0].Text));
    }

    [SkippableFact]
    public async Task StartSequence_Replaying_EveryEventAfterItFollowsTheReplay()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        for (var i = 1; i <= 4; i++)
        {
            await hub.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 1 }).DefaultTimeout();
        await hub.PublishAsync(room, "ann", "m5").DefaultTimeout();

        Assert.Equal(4, subscription.StartSequence);
        var events = await ReadAsync(subscription.Events, 4);
        AssertConsecutive(events, 2);
    }

    [SkippableFact]
    public async Task Subscribe_HistoryShorterThanGap_ReplaysWhatIsRetainedAndShowsTheJump()
    {
        var hub = CreateHub(o => o.HistorySize = 10);
        var room = Rooms.Unique();
        for (var i = 0; i < 30; i++)
        {
            await hub.PublishAsync(room, "ann", "x").DefaultTimeout();
        }

        await using var subscription = await hub.SubscribeAsync(room, new SubscribeOptions { AfterSequence = 5 }).DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 10);
        AssertConsecutive(events, 21);
    }

    [SkippableFact]
    public async Task GetPresence_MembersAndASubscriber_ListsEachMemberWithItsConnectionsAndCountsEverySubscription()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        var first = Time.GetUtcNow();
        await using var ann = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann", Identity = "user ann" }).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(5));
        await using var annAgain = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann", Identity = "user ann" }).DefaultTimeout();
        await using var bob = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "bob" }).DefaultTimeout();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();

        var presence = await Assert.IsAssignableFrom<IHubPresence>(hub).GetPresenceAsync(room).DefaultTimeout();

        Assert.Equal([("ann", "user ann", 2), ("bob", "", 1)], presence.Members.Select(static m => (m.Sender, m.Identity, m.Connections)));
        // The earliest connection's time.
        Assert.Equal(first, presence.Members[0].JoinedTime);
        Assert.Equal(4, presence.Subscribers);
    }

    [SkippableFact]
    public async Task GetPresence_MembersLeftOrDisposed_NoLongerCounted()
    {
        var hub = CreateHub();
        var presence = Assert.IsAssignableFrom<IHubPresence>(hub);
        var room = Rooms.Unique();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();
        var ann = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        var bob = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "bob" }).DefaultTimeout();

        await ann.LeaveAsync().DefaultTimeout();
        var afterLeave = await presence.GetPresenceAsync(room).DefaultTimeout();
        await bob.DisposeAsync().DefaultTimeout();
        var afterDispose = await presence.GetPresenceAsync(room).DefaultTimeout();
        await watcher.DisposeAsync().DefaultTimeout();
        var empty = await presence.GetPresenceAsync(room).DefaultTimeout();

        Assert.Equal(["bob"], afterLeave.Members.Select(static m => m.Sender));
        Assert.Equal(2, afterLeave.Subscribers);
        Assert.Equal((0, 1), (afterDispose.Members.Count, afterDispose.Subscribers));
        Assert.Equal((0, 0), (empty.Members.Count, empty.Subscribers));
        await ann.DisposeAsync().DefaultTimeout();
    }

    [SkippableFact]
    public async Task Subscribe_AsMember_OwnJoinedIsFirstLiveEvent()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();
        await hub.PublishAsync(room, "bob", "before").DefaultTimeout();

        await using var member = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await hub.PublishAsync(room, "bob", "after").DefaultTimeout();

        var own = await ReadAsync(member.Events, 2);
        Assert.Equal((RoomEventKind.Joined, "ann", 2L), (own[0].Kind, own[0].Sender, own[0].Sequence));
        Assert.Equal((RoomEventKind.Message, "after", 3L), (own[1].Kind, own[1].Text, own[1].Sequence));
        var seen = await ReadAsync(watcher.Events, 3);
        Assert.Equal([RoomEventKind.Message, RoomEventKind.Joined, RoomEventKind.Message], seen.Select(e => e.Kind));
    }

    [SkippableFact]
    public async Task Subscribe_AsMemberResuming_ReplaysMissedEventsThenOwnJoined()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        for (var i = 0; i < 4; i++)
        {
            await hub.PublishAsync(room, "bob", $"m{i}").DefaultTimeout();
        }

        await using var member = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann", AfterSequence = 2 }).DefaultTimeout();

        var events = await ReadAsync(member.Events, 3);
        AssertConsecutive(events, 3);
        Assert.Equal(RoomEventKind.Joined, events[^1].Kind);
    }

    [SkippableFact]
    public async Task LeaveAsync_Member_OwnLeftIsLastEventAndEventsComplete()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();
        var member = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await hub.PublishAsync(room, "ann", "bye").DefaultTimeout();

        await member.LeaveAsync().DefaultTimeout();

        var own = new List<RoomEvent>();
        await foreach (var item in member.Events.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeoutExtensions.Timeout).Token))
        {
            own.Add(item);
        }

        Assert.Equal([RoomEventKind.Joined, RoomEventKind.Message, RoomEventKind.Left], own.Select(e => e.Kind));
        var seen = await ReadAsync(watcher.Events, 3);
        Assert.Equal((RoomEventKind.Left, "ann"), (seen[2].Kind, seen[2].Sender));
        await member.DisposeAsync().DefaultTimeout();
        await hub.PublishAsync(room, "bob", "still here").DefaultTimeout();
        var next = await ReadAsync(watcher.Events, 1);
        Assert.Equal("still here", next[0].Text);
    }

    [SkippableFact]
    public async Task DisposeAsync_Member_OthersSeeLeftOnce()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var watcher = await hub.SubscribeAsync(room).DefaultTimeout();
        var member = await hub.SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();

        await member.DisposeAsync().DefaultTimeout();
        await member.DisposeAsync().DefaultTimeout();
        await hub.PublishAsync(room, "bob", "after").DefaultTimeout();

        var seen = await ReadAsync(watcher.Events, 3);
        Assert.Equal([RoomEventKind.Joined, RoomEventKind.Left, RoomEventKind.Message], seen.Select(e => e.Kind));
        AssertConsecutive(seen, 1);
    }

    [SkippableFact]
    public async Task SlowSubscriber_Disconnect_FailsAfterItsBufferWhileOthersGetEverything()
    {
        var hub = CreateHub(o =>
        {
            o.SubscriberBufferCapacity = 8;
            o.SlowSubscriberPolicy = SlowSubscriberPolicy.Disconnect;
        });
        var room = Rooms.Unique();
        await using var slow = await hub.SubscribeAsync(room).DefaultTimeout();
        await using var fast = await hub.SubscribeAsync(room).DefaultTimeout();
        var fastEvents = new List<RoomEvent>();

        for (var i = 0; i < 50; i++)
        {
            await hub.PublishAsync(room, "pub", "x").DefaultTimeout();
            fastEvents.AddRange(await ReadAsync(fast.Events, 1));
        }

        AssertConsecutive(fastEvents, 1);
        var buffered = await ReadAsync(slow.Events, 8);
        AssertConsecutive(buffered, 1);
        var failure = await Assert.ThrowsAsync<SubscriberOverflowException>(() => slow.Events.ReadAsync().AsTask()).DefaultTimeout();
        Assert.Equal(8, failure.BufferCapacity);
        Assert.Contains("buffer of 8 events", failure.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task SlowSubscriber_DropOldest_StaysSubscribedAndSeesTheJump()
    {
        var hub = CreateHub(o =>
        {
            o.SubscriberBufferCapacity = 8;
            o.SlowSubscriberPolicy = SlowSubscriberPolicy.DropOldest;
        });
        var room = Rooms.Unique();
        await using var slow = await hub.SubscribeAsync(room).DefaultTimeout();

        for (var i = 0; i < 50; i++)
        {
            await hub.PublishAsync(room, "pub", "x").DefaultTimeout();
        }

        var buffered = await ReadAsync(slow.Events, 8);
        AssertConsecutive(buffered, 43);
        await hub.PublishAsync(room, "pub", "live").DefaultTimeout();
        var next = await ReadAsync(slow.Events, 1);
        Assert.Equal(51, next[0].Sequence);
    }

    [SkippableFact]
    public async Task Events_ReadCancelled_ThrowsAndSubscriptionCanBeDisposed()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        using var cts = new CancellationTokenSource();

        var pending = subscription.Events.WaitToReadAsync(cts.Token).AsTask();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending).DefaultTimeout();
        await subscription.DisposeAsync().DefaultTimeout();
        Assert.False(await subscription.Events.WaitToReadAsync().AsTask().DefaultTimeout());
    }

    [SkippableFact]
    public async Task DisposeAsync_WhileReaderWaits_ReaderCompletes()
    {
        var hub = CreateHub();
        var subscription = await hub.SubscribeAsync(Rooms.Unique()).DefaultTimeout();

        var pending = subscription.Events.WaitToReadAsync().AsTask();
        Assert.False(pending.IsCompleted);
        await subscription.DisposeAsync().DefaultTimeout();

        Assert.False(await pending.DefaultTimeout());
    }

    [SkippableFact]
    public async Task Publish_SameMessageIdRetried_ReturnsOriginalSequenceAndEpochAndRoomHasItOnce()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var subscription = await hub.SubscribeAsync(room).DefaultTimeout();

        var original = await hub.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var retried = await hub.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var next = await hub.PublishAsync(room, "ann", "next").DefaultTimeout();
        var seen = await ReadAsync(subscription.Events, 2);
        await using var replay = await hub.SubscribeAsync(room, new SubscribeOptions { Epoch = original.Epoch }).DefaultTimeout();
        var replayed = await ReadAsync(replay.Events, 2);

        Assert.False(original.Duplicate);
        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        Assert.Equal(original.Sequence + 1, next.Sequence);
        Assert.Equal([("once", "m-1"), ("next", null)], seen.Select(e => (e.Text, e.MessageId)));
        Assert.Equal([original.Sequence, next.Sequence], seen.Select(e => e.Sequence));
        Assert.Equal(["once", "next"], replayed.Select(e => e.Text));
    }

    [SkippableFact]
    public async Task Publish_SameMessageIdAfterWindow_IsPublishedAgain()
    {
        var hub = CreateHub(o => o.DeduplicationWindow = TimeSpan.FromMinutes(1));
        var room = Rooms.Unique();

        var original = await hub.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(59));
        var within = await hub.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(1));
        var after = await hub.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();

        Assert.Equal((original.Sequence, true), (within.Sequence, within.Duplicate));
        Assert.Equal((original.Sequence + 1, false), (after.Sequence, after.Duplicate));
        Assert.Equal(original.Epoch, after.Epoch);
    }

    [SkippableFact]
    public async Task Publish_MoreMessageIdsThanDeduplicationMaxIds_OldestIdIsForgotten()
    {
        var hub = CreateHub(o => o.DeduplicationMaxIds = 2);
        var room = Rooms.Unique();

        foreach (var id in new[] { "a", "b", "c" })
        {
            await hub.PublishAsync(room, "ann", id, new PublishOptions { MessageId = id }).DefaultTimeout();
        }

        var newest = await hub.PublishAsync(room, "ann", "c", new PublishOptions { MessageId = "c" }).DefaultTimeout();
        var oldest = await hub.PublishAsync(room, "ann", "a", new PublishOptions { MessageId = "a" }).DefaultTimeout();

        Assert.Equal((3, true), (newest.Sequence, newest.Duplicate));
        Assert.Equal((4, false), (oldest.Sequence, oldest.Duplicate));
    }

    [SkippableFact]
    public async Task Publish_SameMessageIdInAnotherRoom_IsPublishedThere()
    {
        var hub = CreateHub();
        var first = Rooms.Unique();
        var second = Rooms.Unique();
        await hub.PublishAsync(first, "ann", "x", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        await hub.PublishAsync(second, "ann", "y").DefaultTimeout();

        var other = await hub.PublishAsync(second, "ann", "x", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();

        Assert.Equal((2, false), (other.Sequence, other.Duplicate));
    }

    [SkippableFact]
    public async Task Publish_DataAndContentType_SurviveLiveDeliveryAndReplay()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var live = await hub.SubscribeAsync(room).DefaultTimeout();
        var buffer = new byte[] { 0x00, 0xFF, 0x80, 0xC3, 0x28 };

        var published = await hub.PublishAsync(room, "ann", "caption", new PublishOptions { Data = buffer, ContentType = "image/png" }).DefaultTimeout();
        // The caller's buffer is its own again once the publish returns.
        buffer[0] = 0x42;
        await hub.PublishAsync(room, "ann", "plain").DefaultTimeout();
        var seen = await ReadAsync(live.Events, 2);
        await using var replay = await hub.SubscribeAsync(room, new SubscribeOptions { Epoch = published.Epoch }).DefaultTimeout();
        var replayed = await ReadAsync(replay.Events, 2);

        foreach (var events in new[] { seen, replayed })
        {
            Assert.Equal(("caption", "image/png"), (events[0].Text, events[0].ContentType));
            Assert.Equal(new byte[] { 0x00, 0xFF, 0x80, 0xC3, 0x28 }, events[0].Data.ToArray());
            Assert.Equal(("plain", "", 0), (events[1].Text, events[1].ContentType, events[1].Data.Length));
        }
    }

    [SkippableFact]
    public async Task Publish_DataWithMessageIdRetried_ReturnsOriginalAndRoomHasItOnceWithItsData()
    {
        var hub = CreateHub();
        var room = Rooms.Unique();
        await using var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        var options = new PublishOptions { MessageId = "m-1", Data = new byte[] { 0x01, 0x02 }, ContentType = "application/octet-stream" };

        var original = await hub.PublishAsync(room, "ann", "", options).DefaultTimeout();
        var retried = await hub.PublishAsync(room, "ann", "", options).DefaultTimeout();
        var next = await hub.PublishAsync(room, "ann", "next").DefaultTimeout();
        var seen = await ReadAsync(subscription.Events, 2);

        Assert.True(retried.Duplicate);
        Assert.Equal(original.Sequence, retried.Sequence);
        Assert.Equal([(original.Sequence, "m-1", 2), (next.Sequence, null, 0)], seen.Select(e => (e.Sequence, e.MessageId, e.Data.Length)));
        Assert.Equal(new byte[] { 0x01, 0x02 }, seen[0].Data.ToArray());
    }

    [SkippableFact]
    public async Task Publish_LargeData_CountsTowardTheCallersRetainedBytes()
    {
        const int Budget = 256 * 1024;
        const int DataBytes = 64 * 1024;
        var hub = CreateHub(o => o.MaxRetainedBytesPerCaller = Budget);
        var room = Rooms.Unique();
        var options = new PublishOptions { Caller = "uploader", Data = new byte[DataBytes] };

        // Text alone would cost a few hundred bytes an event: only the data's bytes can exhaust the budget this soon.
        var accepted = 0;
        RetainedBytesLimitExceededException? refused = null;
        while (refused is null && accepted <= Budget / DataBytes)
        {
            try
            {
                await hub.PublishAsync(room, "ann", "x", options).DefaultTimeout();
                accepted++;
            }
            catch (RetainedBytesLimitExceededException error)
            {
                refused = error;
            }
        }

        Assert.NotNull(refused);
        Assert.InRange(accepted, 1, (Budget / DataBytes) - 1);
        var other = await hub.PublishAsync(room, "ann", "x", new PublishOptions { Caller = "other" }).DefaultTimeout();
        Assert.False(other.Duplicate);
    }
}
