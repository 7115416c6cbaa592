using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>
/// A node whose pub/sub subscription stops delivering while its connection looks fine: the liveness check finds the
/// gap in the room's log and catches up, and availability says meanwhile that the node does not deliver.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LivenessTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    private readonly List<RedisBroadcastHub> _hubs = [];
    private ConnectionMultiplexer? _inspector;

    public async Task InitializeAsync() => _inspector = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true").DefaultTimeout();

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
    public async Task Subscribe_PubSubKilledWhileAnotherNodePublishes_SubscriberGetsEveryEventInOrderAndNodeEndsAvailable()
    {
        var logger = new RecordingLogger();
        var watching = CreateNode(redis.Server.Configuration, logger);
        var other = CreateNode(redis.Server.Configuration);
        var room = Rooms.Unique();
        await using var subscription = await watching.SubscribeAsync(room).DefaultTimeout();
        await other.PublishAsync(room, "ann", "m1").DefaultTimeout();
        var before = await ReadAsync(subscription.Events, 1);
        var availability = Watch(watching);

        await KillPubSubAsync();
        // Commands still run on both nodes, so the other one publishes on while the subscriptions come back.
        for (var i = 2; i <= 6; i++)
        {
            await other.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
        }

        var meanwhile = await ReadAsync(subscription.Events, 5);
        await WaitUntilAvailableAsync(watching, availability);
        await other.PublishAsync(room, "ann", "m7").DefaultTimeout();
        var after = await ReadAsync(subscription.Events, 1);

        var all = before.Concat(meanwhile).Concat(after).ToList();
        AssertConsecutive(all, 1);
        Assert.Equal(["m1", "m2", "m3", "m4", "m5", "m6", "m7"], all.Select(e => e.Text));
        Assert.False(subscription.Events.TryRead(out var extra), $"a duplicate or extra event: {extra?.Sequence}");
        Assert.False(subscription.Events.Completion.IsCompleted);
        // It said so while its subscription was down, and says it delivers again.
        var entries = logger.Entries;
        var stalled = entries.First(e => e.Event.Name == "DeliveryStalled");
        Assert.Equal(LogLevel.Warning, stalled.Level);
        Assert.Contains("pub/sub connection", stalled.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Information, entries.Last(e => e.Event.Name is "DeliveryStalled" or "DeliveryRestored").Level);
        Assert.True(watching.IsAvailable);
    }

    [SkippableFact]
    public async Task Subscribe_EventsPublishedWhileSubscriptionDeadAndNoneAfter_LivenessCheckCatchesThemUpFromLog()
    {
        var watching = CreateNode(redis.Server.Configuration);
        var other = CreateNode(redis.Server.Configuration);
        var room = Rooms.Unique();
        await using var subscription = await watching.SubscribeAsync(room).DefaultTimeout();
        // Opens the room on the publishing node too, which needs a subscription there.
        await other.PublishAsync(room, "ann", "m1").DefaultTimeout();
        var before = await ReadAsync(subscription.Events, 1);
        var availability = Watch(watching);
        var server = _inspector!.GetServer(_inspector.GetEndPoints()[0]);
        var maxClients = (await server.ConfigGetAsync("maxclients").DefaultTimeout()).Single().Value;
        List<RoomEvent> events;
        try
        {
            // No connection can be made once the pub/sub ones are gone: the subscriptions stay dead until allowed again.
            var clients = await server.ClientListAsync().DefaultTimeout();
            await server.ConfigSetAsync("maxclients", clients.Count(c => c.ClientType != ClientType.PubSub)).DefaultTimeout();
            await KillPubSubAsync();
            while (watching.IsAvailable)
            {
                await availability.ReadAsync().AsTask().DefaultTimeout();
            }

            // Published while the subscription is dead, and nothing after them: no notification announces them.
            for (var i = 2; i <= 4; i++)
            {
                await other.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
            }

            events = [.. before, .. await ReadAsync(subscription.Events, 3)];
            Assert.False(watching.IsAvailable);
        }
        finally
        {
            await server.ConfigSetAsync("maxclients", maxClients).DefaultTimeout();
        }

        AssertConsecutive(events, 1);
        Assert.Equal(["m1", "m2", "m3", "m4"], events.Select(e => e.Text));
        await WaitUntilAvailableAsync(watching, availability);
        Assert.False(subscription.Events.TryRead(out var extra), $"a duplicate or extra event: {extra?.Sequence}");
        Assert.False(subscription.Events.Completion.IsCompleted);
    }

    [SkippableFact]
    public async Task Subscribe_RoomChannelUnsubscribedWhileConnectionStaysUp_NodeSubscribesAnewAndDeliversEveryEvent()
    {
        var logger = new RecordingLogger();
        var watching = CreateNode(redis.Server.Configuration, logger);
        var other = CreateNode(redis.Server.Configuration);
        var room = Rooms.Unique();
        var notifications = RedisChannel.Literal($"streaminggreeter:room:{room}:events");
        var server = _inspector!.GetServer(_inspector.GetEndPoints()[0]);
        await using var subscription = await watching.SubscribeAsync(room).DefaultTimeout();
        await other.PublishAsync(room, "ann", "m1").DefaultTimeout();
        var before = await ReadAsync(subscription.Events, 1);
        var availability = Watch(watching);

        // What a proxy or a failover can do: the node's channel subscription is gone while its connections look fine.
        await watching.RoomLog.Subscriber("dropping the room's subscription").UnsubscribeAsync(notifications).DefaultTimeout();
        Assert.Equal(1, await server.SubscriptionSubscriberCountAsync(notifications).DefaultTimeout());
        // Each event is caught up from the log; one published after a check saw the room, and still unannounced a check
        // later, shows the subscription deaf.
        var all = before.ToList();
        while (!logger.Entries.Any(e => e.Event.Name == "RoomNotNotified"))
        {
            Assert.True(all.Count < 50, "50 events were delivered and the node never found its subscription deaf");
            await other.PublishAsync(room, "ann", $"m{all.Count + 1}").DefaultTimeout();
            all.AddRange(await ReadAsync(subscription.Events, 1));
        }

        await Wait.UntilAsync(
            () => logger.Entries.Any(e => e.Event.Name == "DeliveryRestored"),
            () => $"the node did not report that it delivers again: {string.Join("; ", logger.Entries.Select(e => e.Message))}");
        await WaitUntilAvailableAsync(watching, availability);
        await other.PublishAsync(room, "ann", $"m{all.Count + 1}").DefaultTimeout();
        all.AddRange(await ReadAsync(subscription.Events, 1));

        AssertConsecutive(all, 1);
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => $"m{i}"), all.Select(e => e.Text));
        Assert.False(subscription.Events.TryRead(out var extra), $"a duplicate or extra event: {extra?.Sequence}");
        // Subscribed anew: both nodes hear the room's notifications again.
        Assert.Equal(2, await server.SubscriptionSubscriberCountAsync(notifications).DefaultTimeout());
        var entries = logger.Entries;
        var notNotified = Assert.Single(entries, e => e.Event.Name == "RoomNotNotified");
        Assert.Contains(room, notNotified.Message, StringComparison.Ordinal);
        Assert.Contains("made anew", entries.First(e => e.Event.Name == "DeliveryStalled").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:00.05")]
    [InlineData("00:10:00")]
    public void Constructor_LivenessIntervalOutOfRange_ThrowsNamingKeyAndValue(string interval)
    {
        var options = new RedisBroadcastHubOptions { Configuration = "127.0.0.1:1", LivenessInterval = TimeSpan.Parse(interval, System.Globalization.CultureInfo.InvariantCulture) };

        var error = Assert.Throws<ArgumentException>(() => new RedisBroadcastHub(new BroadcastHubOptions(), options));

        Assert.Contains($"Hub:Redis:LivenessInterval is \"{options.LivenessInterval}\": it must be from 00:00:00.1000000 to 00:05:00", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Every availability change of the hub, from now on.</summary>
    private static ChannelReader<bool> Watch(RedisBroadcastHub hub)
    {
        var changes = Channel.CreateUnbounded<bool>();
        hub.AvailabilityChanged += (_, _) => changes.Writer.TryWrite(hub.IsAvailable);
        return changes.Reader;
    }

    /// <summary>Each change wakes the wait, which then looks at the hub itself: a quick flip back is not missed.</summary>
    private static async Task WaitUntilAvailableAsync(RedisBroadcastHub hub, ChannelReader<bool> availability)
    {
        while (!hub.IsAvailable)
        {
            await availability.ReadAsync().AsTask().DefaultTimeout();
        }
    }

    /// <summary>Drops every pub/sub client on the server, as a failover or a proxy does, without touching the others.</summary>
    private async Task KillPubSubAsync()
    {
        var server = _inspector!.GetServer(_inspector.GetEndPoints()[0]);
        var killed = (long)await server.ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub").DefaultTimeout();
        Assert.True(killed > 0, "no pub/sub client to kill");
    }

    private RedisBroadcastHub CreateNode(string configuration, ILogger? logger = null)
    {
        var hub = ConnectedHub.Create(new BroadcastHubOptions(), configuration, logger, livenessInterval: Interval);
        _hubs.Add(hub);
        return hub;
    }
}
