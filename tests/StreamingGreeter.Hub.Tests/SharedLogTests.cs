using System.Globalization;
using StreamingGreeter.Hub;
using static StreamingGreeter.Hub.Specification.Tests.RoomEvents;

namespace StreamingGreeter.Hub.Tests;

/// <summary>
/// What the in-memory log does beyond the scale-out specification (<see cref="InMemoryScaleOutSpecificationTests"/>): a room
/// lives in it while some hub has it open.
/// </summary>
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
        var first = new InMemoryBroadcastHub(options, log: log);
        var second = new InMemoryBroadcastHub(options, log: log);
        _hubs.Add(first);
        _hubs.Add(second);
        return (first, second);
    }
}
