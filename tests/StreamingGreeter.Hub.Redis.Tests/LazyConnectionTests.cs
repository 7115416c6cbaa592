using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>
/// The hub connects to Redis in the background: made while Redis is down or does not answer, it is there at once,
/// unavailable, and serves once Redis is up.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LazyConnectionTests
{
    [SkippableFact]
    public async Task Constructor_NothingListensOnRedisPort_UnavailableThenConnectsAndDeliversOnceRedisStarts()
    {
        await using var own = await RedisServer.StartAsync();
        await own.StopAsync();
        var logger = new RecordingLogger();

        await using var hub = await Task.Run(() => new RedisBroadcastHub(new BroadcastHubOptions(), new RedisBroadcastHubOptions { Configuration = own.Configuration }, logger: logger)).DefaultTimeout();
        var available = WhenAvailable(hub);

        Assert.False(hub.IsAvailable);
        var refused = await Assert.ThrowsAsync<HubUnavailableException>(() => hub.PublishAsync(Rooms.Unique(), "ann", "early").AsTask()).DefaultTimeout();
        Assert.Contains("not acknowledged", refused.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<HubUnavailableException>(() => hub.SubscribeAsync(Rooms.Unique()).AsTask()).DefaultTimeout();
        var connecting = Assert.Single(logger.Entries);
        Assert.Equal((LogLevel.Information, "BackplaneConnecting"), (connecting.Level, connecting.Event.Name));
        Assert.Contains(own.Configuration, connecting.Message, StringComparison.Ordinal);

        await own.RestartAsync();
        await available.DefaultTimeout(TimeSpan.FromSeconds(30));

        var room = Rooms.Unique();
        await using var subscription = await hub.SubscribeAsync(room).DefaultTimeout();
        var published = await hub.PublishAsync(room, "ann", "now").DefaultTimeout();
        var events = await ReadAsync(subscription.Events, 1);
        Assert.Equal(("now", published.Sequence), (events[0].Text, events[0].Sequence));
        var connected = logger.Entries.Where(e => e.Event.Name != "RoomOpened").Skip(1).ToList();
        Assert.Equal([(LogLevel.Information, "BackplaneConnected")], connected.Select(e => (e.Level, e.Event.Name!)));
    }

    [SkippableFact]
    public async Task Constructor_RedisPortNeverAnswers_ReturnsAtOnceAndIsUnavailable()
    {
        var (silent, configuration) = Silent();
        using var _ = silent;

        // A hub that waited for Redis would wait out the connect timeout, far beyond the test's.
        await using var hub = await Task.Run(() => new RedisBroadcastHub(new BroadcastHubOptions(), new RedisBroadcastHubOptions { Configuration = configuration })).DefaultTimeout();

        Assert.False(hub.IsAvailable);
        await Assert.ThrowsAsync<HubUnavailableException>(() => hub.PublishAsync(Rooms.Unique(), "ann", "early").AsTask()).DefaultTimeout();
        await Assert.ThrowsAsync<HubUnavailableException>(() => hub.SubscribeAsync(Rooms.Unique()).AsTask()).DefaultTimeout();
    }

    [SkippableFact]
    public async Task AddRedisBroadcastHub_RedisPortNeverAnswers_ResolvesAtOnceAndIsUnavailable()
    {
        var (silent, configuration) = Silent();
        using var _ = silent;
        await using var provider = new ServiceCollection().AddOptions().AddRedisBroadcastHub(o => o.Configuration = configuration).BuildServiceProvider();

        var hub = await Task.Run(() => provider.GetRequiredService<IBroadcastHub>()).DefaultTimeout();

        Assert.False(Assert.IsAssignableFrom<IHubAvailability>(hub).IsAvailable);
        await Assert.ThrowsAsync<HubUnavailableException>(() => hub.PublishAsync(Rooms.Unique(), "ann", "early").AsTask()).DefaultTimeout();
    }

    /// <summary>
    /// A port that accepts connections into its backlog and never says a word, as an unreachable or overloaded host
    /// does, with a connect timeout beyond the test's.
    /// </summary>
    private static (TcpListener Listener, string Configuration) Silent()
    {
        RedisServer.Require();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var timeout = (TimeoutExtensions.Timeout * 2).TotalMilliseconds;
        return (listener, string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port},connectTimeout={timeout}"));
    }

    private static Task WhenAvailable(IHubAvailability hub)
    {
        var available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.AvailabilityChanged += (_, _) =>
        {
            if (hub.IsAvailable)
            {
                available.TrySetResult();
            }
        };

        // Checked after subscribing, so a connection made in between is not missed.
        if (hub.IsAvailable)
        {
            available.TrySetResult();
        }

        return available.Task;
    }
}
