using System.Globalization;
using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Specification.Tests;

/// <summary>
/// What several hubs over one backing log ("nodes" of one service) must do together: one order, one epoch and one
/// sequence space per room whichever node publishes, resuming on any node, members and message ids seen by all, while
/// each node keeps its own subscribers' limits. Each scale-out implementation's test class inherits it and says how to
/// make its nodes; every node a test makes is disposed of after it.
/// </summary>
public abstract class ScaleOutBroadcastHubSpecification : IAsyncLifetime
{
    private readonly List<IBroadcastHub> _nodes = [];

    /// <summary>The clock every node of a test runs on.</summary>
    protected ManualTimeProvider Time { get; } = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await DisposeNodeAsync(node).DefaultTimeout();
        }
    }

    /// <summary>
    /// <paramref name="count"/> new hubs with <paramref name="options"/> on <see cref="Time"/>, ready to publish and
    /// subscribe when returned. Every node one test makes, in one call or in several, shares one backing log: while
    /// the log keeps a room, a node made after another was disposed of finds what that one published.
    /// </summary>
    protected abstract Task<IReadOnlyList<IBroadcastHub>> CreateNewNodesAsync(int count, BroadcastHubOptions options);

    /// <summary>
    /// True when the log keeps a room that no node has open, as Redis does, so that a node restarted after all the
    /// others stopped finds it; an in-process log forgets a room with the last node that had it.
    /// </summary>
    protected virtual bool LogOutlivesNodes => true;

    /// <summary>Disposes of a node <see cref="CreateNewNodesAsync"/> made: when a test stops it, or once the test is over.</summary>
    protected abstract ValueTask DisposeNodeAsync(IBroadcastHub node);

    [SkippableFact]
    public async Task Publish_OnEachNodeInTurn_OneEpochAndSequencesGrowByOne()
    {
        var nodes = await CreateNodesAsync(3);
        var room = Rooms.Unique();

        var results = new List<PublishResult>();
        for (var i = 0; i < 6; i++)
        {
            results.Add(await nodes[i % 3].PublishAsync(room, "ann", $"m{i}").DefaultTimeout());
        }

        Assert.Equal([1L, 2L, 3L, 4L, 5L, 6L], results.Select(r => r.Sequence));
        Assert.Single(results.Select(r => r.Epoch).Distinct());
        Assert.All(results, r => Assert.False(r.Duplicate));
    }

    [SkippableFact]
    public async Task Publish_ConcurrentPublishersOnTwoNodes_EverySubscriberOnEitherNodeSeesOneOrder()
    {
        const int publishersPerNode = 2;
        const int perPublisher = 300;
        const int total = 2 * publishersPerNode * perPublisher;
        var nodes = await CreateNodesAsync(2, o => o.SubscriberBufferCapacity = total);
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
        var nodes = await CreateNodesAsync(2, o => (o.SubscriberBufferCapacity, o.HistorySize) = (total, total));
        var (first, second) = (nodes[0], nodes[1]);
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
    public async Task StartSequence_LiveOnOtherNode_IsTheRoomsLastSequenceAndResumingThereMissesNothing()
    {
        var nodes = await CreateNodesAsync(2);
        var (first, second) = (nodes[0], nodes[1]);
        var room = Rooms.Unique();
        PublishResult last = default;
        for (var i = 1; i <= 3; i++)
        {
            last = await first.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        var subscription = await second.SubscribeAsync(room).DefaultTimeout();
        Assert.Equal((3L, last.Epoch), (subscription.StartSequence, subscription.Epoch));
        // The call breaks before any event arrived; meanwhile the first node publishes two more.
        await subscription.DisposeAsync().DefaultTimeout();
        await first.PublishAsync(room, "ann", "m4").DefaultTimeout();
        await first.PublishAsync(room, "ann", "m5").DefaultTimeout();

        await using var resumed = await second.SubscribeAsync(room, new SubscribeOptions { AfterSequence = subscription.StartSequence, Epoch = subscription.Epoch }).DefaultTimeout();
        var events = await ReadAsync(resumed.Events, 2);
        Assert.Equal([(4L, "m4"), (5L, "m5")], events.Select(e => (e.Sequence, e.Text)));
    }

    [SkippableFact]
    public async Task Subscribe_OnNodeThatNeverHadTheRoom_ReplaysEverythingOtherNodesPublished()
    {
        var nodes = await CreateNodesAsync(3);
        var room = Rooms.Unique();
        var first = await nodes[0].PublishAsync(room, "ann", "m1").DefaultTimeout();
        await nodes[1].PublishAsync(room, "bob", "m2").DefaultTimeout();

        await using var subscription = await nodes[2].SubscribeAsync(room, new SubscribeOptions { Epoch = first.Epoch }).DefaultTimeout();
        await nodes[0].PublishAsync(room, "ann", "m3").DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 3);
        AssertConsecutive(events, 1);
        Assert.Equal(["m1", "m2", "m3"], events.Select(e => e.Text));
        Assert.Equal(first.Epoch, subscription.Epoch);
    }

    [SkippableFact]
    public async Task Subscribe_AgainOnNodeWhoseSubscribersLeft_ReplaysWhatOtherNodesPublishedMeanwhile()
    {
        var nodes = await CreateNodesAsync(2);
        var (first, second) = (nodes[0], nodes[1]);
        var room = Rooms.Unique();
        var earlier = await second.SubscribeAsync(room).DefaultTimeout();
        await first.PublishAsync(room, "ann", "m1").DefaultTimeout();
        var seen = await ReadAsync(earlier.Events, 1);
        await earlier.DisposeAsync().DefaultTimeout();

        // The second node has no subscriber in the room while these are appended.
        for (var i = 2; i <= 5; i++)
        {
            await first.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        await using var again = await second.SubscribeAsync(room, new SubscribeOptions { AfterSequence = seen[0].Sequence, Epoch = seen[0].Epoch }).DefaultTimeout();
        await first.PublishAsync(room, "ann", "m6").DefaultTimeout();

        var events = await ReadAsync(again.Events, 5);
        AssertConsecutive(events, 2);
        Assert.Equal(["m2", "m3", "m4", "m5", "m6"], events.Select(e => e.Text));
        Assert.False(again.Events.TryRead(out _));
    }

    [SkippableFact]
    public async Task Subscribe_HistoryShorterThanGapOnOtherNode_ReplaysWhatIsRetainedAndShowsTheJump()
    {
        var nodes = await CreateNodesAsync(2, o => o.HistorySize = 10);
        var room = Rooms.Unique();
        for (var i = 0; i < 30; i++)
        {
            await nodes[0].PublishAsync(room, "ann", "x").DefaultTimeout();
        }

        await using var subscription = await nodes[1].SubscribeAsync(room, new SubscribeOptions { AfterSequence = 5 }).DefaultTimeout();

        var events = await ReadAsync(subscription.Events, 10);
        AssertConsecutive(events, 21);
    }

    [SkippableFact]
    public async Task GetPresence_MembersOnTwoNodes_EachNodeListsThemAllUntilANodeGoes()
    {
        var nodes = await CreateNodesAsync(2);
        var room = Rooms.Unique();
        await using var ann = await nodes[0].SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await using var annAgain = await nodes[1].SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        await using var bob = await nodes[1].SubscribeAsync(room, new SubscribeOptions { Member = "bob" }).DefaultTimeout();
        await using var watcher = await nodes[0].SubscribeAsync(room).DefaultTimeout();
        (string, int)[] all = [("ann", 2), ("bob", 1)];

        // A node writes its part as it changes, so another may first read a part with a subscription whose member has
        // not joined yet: what each node reports in the end is what counts.
        var onFirst = await PresenceUntilAsync(nodes[0], room, p => p.Subscribers == 4 && Members(p).SequenceEqual(all));
        var onSecond = await PresenceUntilAsync(nodes[1], room, p => p.Subscribers == 4 && Members(p).SequenceEqual(all));
        await DisposeNodeAsync(nodes[1]).DefaultTimeout();
        var afterSecondWent = await PresenceUntilAsync(nodes[0], room, p => p.Subscribers == 2);

        Assert.Equal(all, Members(onFirst));
        Assert.Equal(all, Members(onSecond));
        Assert.Equal([("ann", 1)], Members(afterSecondWent));
        static IEnumerable<(string, int)> Members(RoomPresence presence) => presence.Members.Select(static m => (m.Sender, m.Connections));
    }

    /// <summary>
    /// A node's presence once it holds: the others' parts may reach it moments after their joins (a backplane writes
    /// them in the background), and nothing announces that.
    /// </summary>
    private static async Task<RoomPresence> PresenceUntilAsync(IBroadcastHub node, string room, Func<RoomPresence, bool> condition)
    {
        var hub = Assert.IsAssignableFrom<IHubPresence>(node);
        var deadline = DateTime.UtcNow + TimeoutExtensions.Timeout;
        while (true)
        {
            var presence = await hub.GetPresenceAsync(room).DefaultTimeout();
            if (condition(presence))
            {
                return presence;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for room {room}'s presence; it was {presence.Subscribers} subscriptions, members {string.Join(", ", presence.Members)}");
            }

            // A polling interval, not a synchronisation: the loop exits as soon as the condition holds.
            await Task.Delay(10);
        }
    }

    [SkippableFact]
    public async Task Member_JoinsOnOneNode_OtherNodeSeesJoinedMessageAndLeftInOrder()
    {
        var nodes = await CreateNodesAsync(2);
        var (first, second) = (nodes[0], nodes[1]);
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
    public async Task Member_DisposedOnOneNode_OtherNodeSeesLeftOnce()
    {
        var nodes = await CreateNodesAsync(2);
        var room = Rooms.Unique();
        await using var watcher = await nodes[0].SubscribeAsync(room).DefaultTimeout();
        var member = await nodes[1].SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();

        await member.DisposeAsync().DefaultTimeout();
        await member.DisposeAsync().DefaultTimeout();
        await nodes[0].PublishAsync(room, "bob", "after").DefaultTimeout();

        var seen = await ReadAsync(watcher.Events, 3);
        Assert.Equal([(RoomEventKind.Joined, "ann"), (RoomEventKind.Left, "ann"), (RoomEventKind.Message, "bob")], seen.Select(e => (e.Kind, e.Sender)));
        AssertConsecutive(seen, 1);
    }

    [SkippableFact]
    public async Task Member_OnEachOfTwoNodes_EachSeesTheOthersJoinedMessagesAndLeft()
    {
        var nodes = await CreateNodesAsync(2);
        var room = Rooms.Unique();
        await using var ann = await nodes[0].SubscribeAsync(room, new SubscribeOptions { Member = "ann" }).DefaultTimeout();
        var bob = await nodes[1].SubscribeAsync(room, new SubscribeOptions { Member = "bob" }).DefaultTimeout();

        await nodes[1].PublishAsync(room, "bob", "hi ann").DefaultTimeout();
        await nodes[0].PublishAsync(room, "ann", "hi bob").DefaultTimeout();
        await bob.LeaveAsync().DefaultTimeout();

        var annSees = await ReadAsync(ann.Events, 5);
        Assert.Equal(
            [(RoomEventKind.Joined, "ann", ""), (RoomEventKind.Joined, "bob", ""), (RoomEventKind.Message, "bob", "hi ann"), (RoomEventKind.Message, "ann", "hi bob"), (RoomEventKind.Left, "bob", "")],
            annSees.Select(e => (e.Kind, e.Sender, e.Text)));
        AssertConsecutive(annSees, 1);
        var bobSees = await ReadAsync(bob.Events, 4);
        Assert.Equal(annSees.Skip(1).Select(e => (e.Kind, e.Sequence)), bobSees.Select(e => (e.Kind, e.Sequence)));
        await bob.DisposeAsync().DefaultTimeout();
    }

    [SkippableFact]
    public async Task Member_JoinsWhileOtherNodePublishes_OwnJoinedIsFirstEventThenNoGap()
    {
        // Each member joins while a burst is published on the other node; a burst fits the member's buffer, so a fast
        // publisher cannot make it fall behind before the test reads.
        const int burst = 500;
        var nodes = await CreateNodesAsync(2, static o => o.SubscriberBufferCapacity = 4 * burst);
        var (first, second) = (nodes[0], nodes[1]);
        var room = Rooms.Unique();
        await first.PublishAsync(room, "pub", "x").DefaultTimeout();

        for (var i = 0; i < 5; i++)
        {
            var publishing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var publisher = Task.Run(async () =>
            {
                for (var n = 0; n < burst; n++)
                {
                    await first.PublishAsync(room, "pub", "x").DefaultTimeout();
                    publishing.TrySetResult();
                }
            });
            await publishing.Task.DefaultTimeout();

            await using var member = await second.SubscribeAsync(room, new SubscribeOptions { Member = $"m{i}" }).DefaultTimeout();
            await publisher.DefaultTimeout();
            // The burst may be over by the time the member is in: what follows its JOINED then comes from these.
            for (var n = 0; n < 20; n++)
            {
                await first.PublishAsync(room, "pub", "y").DefaultTimeout();
            }

            var events = await ReadAsync(member.Events, 20);
            Assert.Equal((RoomEventKind.Joined, $"m{i}"), (events[0].Kind, events[0].Sender));
            AssertConsecutive(events, events[0].Sequence);
        }
    }

    [SkippableFact]
    public async Task Publish_RetryWithSameMessageIdOnOtherNode_ReturnsOriginalSequenceAndEpochAndIsDeliveredOnce()
    {
        var nodes = await CreateNodesAsync(2);
        var (first, second) = (nodes[0], nodes[1]);
        var room = Rooms.Unique();
        await using var onFirst = await first.SubscribeAsync(room).DefaultTimeout();
        await using var onSecond = await second.SubscribeAsync(room).DefaultTimeout();

        var original = await first.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var retried = await second.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var next = await second.PublishAsync(room, "ann", "next").DefaultTimeout();

        Assert.False(original.Duplicate);
        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        Assert.Equal(original.Sequence + 1, next.Sequence);
        foreach (var subscription in new[] { onFirst, onSecond })
        {
            var seen = await ReadAsync(subscription.Events, 2);
            Assert.Equal([("once", "m-1", original.Sequence), ("next", null, next.Sequence)], seen.Select(e => (e.Text, e.MessageId, e.Sequence)));
        }
    }

    [SkippableFact]
    public async Task Publish_SameMessageIdOnTwoNodesAtOnce_PublishedOnceAndBothGetItsSequence()
    {
        const int rounds = 25;
        var nodes = await CreateNodesAsync(2);
        var room = Rooms.Unique();
        await using var subscription = await nodes[0].SubscribeAsync(room).DefaultTimeout();

        for (var i = 0; i < rounds; i++)
        {
            var id = $"m-{i}";
            var both = await Task.WhenAll(nodes.Select(node => Task.Run(async () =>
                await node.PublishAsync(room, "ann", id, new PublishOptions { MessageId = id }).DefaultTimeout()))).DefaultTimeout();

            Assert.Single(both, r => !r.Duplicate);
            Assert.Equal((both[0].Sequence, both[0].Epoch), (both[1].Sequence, both[1].Epoch));
            Assert.Equal(i + 1, both[0].Sequence);
        }

        var seen = await ReadAsync(subscription.Events, rounds);
        AssertConsecutive(seen, 1);
        Assert.Equal(Enumerable.Range(0, rounds).Select(i => $"m-{i}"), seen.Select(e => e.MessageId));
        Assert.False(subscription.Events.TryRead(out _));
    }

    [SkippableFact]
    public async Task Publish_SameMessageIdOnOtherNodeAfterWindow_IsPublishedAgain()
    {
        var nodes = await CreateNodesAsync(2, o => o.DeduplicationWindow = TimeSpan.FromMinutes(1));
        var room = Rooms.Unique();

        var original = await nodes[0].PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(59));
        var within = await nodes[1].PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        Time.Advance(TimeSpan.FromSeconds(1));
        var after = await nodes[1].PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();

        Assert.Equal((original.Sequence, true), (within.Sequence, within.Duplicate));
        Assert.Equal((original.Sequence + 1, false, original.Epoch), (after.Sequence, after.Duplicate, after.Epoch));
    }

    [SkippableFact]
    public async Task Publish_RetryWithSameMessageIdAfterNodeRestart_ReturnsOriginalSequence()
    {
        Skip.IfNot(LogOutlivesNodes, "the log forgets a room no node has open");
        var room = Rooms.Unique();
        var before = (await CreateNodesAsync(1))[0];
        var original = await before.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        await StopNodeAsync(before);

        var restarted = (await CreateNodesAsync(1))[0];
        var retried = await restarted.PublishAsync(room, "ann", "once", new PublishOptions { MessageId = "m-1" }).DefaultTimeout();
        var next = await restarted.PublishAsync(room, "ann", "next").DefaultTimeout();

        Assert.True(retried.Duplicate);
        Assert.Equal((original.Sequence, original.Epoch), (retried.Sequence, retried.Epoch));
        Assert.Equal((original.Sequence + 1, original.Epoch), (next.Sequence, next.Epoch));
    }

    [SkippableFact]
    public async Task Node_Stopped_OwnSubscriptionsEndAndOtherNodesCarryOn()
    {
        var nodes = await CreateNodesAsync(2);
        var (stopped, other) = (nodes[0], nodes[1]);
        var room = Rooms.Unique();
        var gone = await stopped.SubscribeAsync(room).DefaultTimeout();
        await using var staying = await other.SubscribeAsync(room).DefaultTimeout();
        await stopped.PublishAsync(room, "ann", "m1").DefaultTimeout();

        await StopNodeAsync(stopped);
        await other.PublishAsync(room, "bob", "m2").DefaultTimeout();

        // It ends, at most after what it had, plainly or with the error that says to resume on another node.
        var rest = await ReadToEndAsync(gone).DefaultTimeout();
        Assert.True(rest.Count <= 1 && rest.All(e => e.Text == "m1"), $"after the node stopped its subscriber read {rest.Count} events");
        var events = await ReadAsync(staying.Events, 2);
        Assert.Equal([(1L, "m1"), (2L, "m2")], events.Select(e => (e.Sequence, e.Text)));
        await gone.DisposeAsync().DefaultTimeout();
    }

    [SkippableFact]
    public async Task SubscriberLimit_ReachedOnOneNode_OtherNodeStillAcceptsSubscribers()
    {
        var nodes = await CreateNodesAsync(2, o => o.MaxSubscribersPerRoom = 1);
        var room = Rooms.Unique();
        await using var onFirst = await nodes[0].SubscribeAsync(room).DefaultTimeout();

        await using var onSecond = await nodes[1].SubscribeAsync(room).DefaultTimeout();
        var refused = await Assert.ThrowsAsync<SubscriberLimitExceededException>(() => nodes[0].SubscribeAsync(room).AsTask()).DefaultTimeout();

        Assert.Contains(room, refused.Message, StringComparison.Ordinal);
        await nodes[1].PublishAsync(room, "ann", "both").DefaultTimeout();
        Assert.Equal("both", (await ReadAsync(onFirst.Events, 1))[0].Text);
        Assert.Equal("both", (await ReadAsync(onSecond.Events, 1))[0].Text);
    }

    [SkippableFact]
    public async Task SlowSubscriber_DisconnectOnOneNode_FailsAfterItsBufferWhileEveryNodesOthersGetEverything()
    {
        var nodes = await CreateNodesAsync(2, o =>
        {
            o.SubscriberBufferCapacity = 8;
            o.SlowSubscriberPolicy = SlowSubscriberPolicy.Disconnect;
        });
        var room = Rooms.Unique();
        await using var slow = await nodes[0].SubscribeAsync(room).DefaultTimeout();
        var fast = new[] { await nodes[0].SubscribeAsync(room).DefaultTimeout(), await nodes[1].SubscribeAsync(room).DefaultTimeout() };
        var fastEvents = fast.Select(_ => new List<RoomEvent>()).ToArray();

        for (var i = 0; i < 50; i++)
        {
            await nodes[1].PublishAsync(room, "pub", "x").DefaultTimeout();
            for (var f = 0; f < fast.Length; f++)
            {
                fastEvents[f].AddRange(await ReadAsync(fast[f].Events, 1));
            }
        }

        Assert.All(fastEvents, events => AssertConsecutive(events, 1));
        var buffered = await ReadAsync(slow.Events, 8);
        AssertConsecutive(buffered, 1);
        var failure = await Assert.ThrowsAsync<SubscriberOverflowException>(() => slow.Events.ReadAsync().AsTask()).DefaultTimeout();
        Assert.Equal(8, failure.BufferCapacity);
        foreach (var subscription in fast)
        {
            await subscription.DisposeAsync().DefaultTimeout();
        }
    }

    [SkippableFact]
    public async Task SlowSubscriber_DropOldestOnOneNode_StaysSubscribedAndSeesTheJump()
    {
        var nodes = await CreateNodesAsync(2, o =>
        {
            o.SubscriberBufferCapacity = 8;
            o.SlowSubscriberPolicy = SlowSubscriberPolicy.DropOldest;
        });
        var room = Rooms.Unique();
        await using var slow = await nodes[0].SubscribeAsync(room).DefaultTimeout();
        // Read event by event, so once it has one the slow subscriber's node has had it too.
        await using var reader = await nodes[0].SubscribeAsync(room).DefaultTimeout();
        var all = new List<RoomEvent>();

        for (var i = 0; i < 50; i++)
        {
            await nodes[1].PublishAsync(room, "pub", "x").DefaultTimeout();
            all.AddRange(await ReadAsync(reader.Events, 1));
        }

        AssertConsecutive(all, 1);
        var buffered = await ReadAsync(slow.Events, 8);
        AssertConsecutive(buffered, 43);
        await nodes[1].PublishAsync(room, "pub", "live").DefaultTimeout();
        var next = await ReadAsync(slow.Events, 1);
        Assert.Equal((51L, "live"), (next[0].Sequence, next[0].Text));
    }

    private async Task<IReadOnlyList<IBroadcastHub>> CreateNodesAsync(int count, Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var nodes = await CreateNewNodesAsync(count, options).DefaultTimeout();
        Assert.Equal(count, nodes.Count);
        _nodes.AddRange(nodes);
        return nodes;
    }

    private static async Task<List<RoomEvent>> ReadToEndAsync(IRoomSubscription subscription)
    {
        var events = new List<RoomEvent>();
        try
        {
            await foreach (var item in subscription.Events.ReadAllAsync())
            {
                events.Add(item);
            }
        }
        catch (HubUnavailableException)
        {
            // The node is gone; the subscriber resumes elsewhere.
        }

        return events;
    }

    /// <summary>Disposes of a node before the test ends, as a server that stops.</summary>
    private async Task StopNodeAsync(IBroadcastHub node)
    {
        _nodes.Remove(node);
        await DisposeNodeAsync(node).DefaultTimeout();
    }

    [SkippableFact]
    public async Task Publish_DataOnOneNode_ReachesTheOtherLiveAndInItsReplay()
    {
        var nodes = await CreateNodesAsync(2);
        var room = Rooms.Unique();
        var data = new byte[] { 0x00, 0xFF, 0x80, 0x0A, 0x0D };
        var first = await nodes[0].PublishAsync(room, "ann", "", new PublishOptions { Data = data, ContentType = "application/x-test" }).DefaultTimeout();
        await using var live = await nodes[1].SubscribeAsync(room).DefaultTimeout();

        // The second node opens the room from the log (its replay) and reads the next event as it is appended.
        await nodes[0].PublishAsync(room, "bob", "caption", new PublishOptions { Data = data, MessageId = "m-2" }).DefaultTimeout();
        var seen = await ReadAsync(live.Events, 1);
        await using var replay = await nodes[1].SubscribeAsync(room, new SubscribeOptions { Epoch = first.Epoch }).DefaultTimeout();
        var replayed = await ReadAsync(replay.Events, 2);

        Assert.Equal([("bob", "caption", "", "m-2")], seen.Select(e => (e.Sender, e.Text, e.ContentType, e.MessageId)));
        Assert.Equal([("ann", "", "application/x-test", null), ("bob", "caption", "", "m-2")], replayed.Select(e => (e.Sender, e.Text, e.ContentType, e.MessageId)));
        Assert.All(seen.Concat(replayed), e => Assert.Equal(data, e.Data.ToArray()));
    }
}
