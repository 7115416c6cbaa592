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

    [Fact]
    public async Task Subscribe_ResumeOnHubOpeningTheRoomWhileAnotherAppends_ReplaysFromTheResumePointWithoutGap()
    {
        // The room's log grows between the second hub opening it and reading its history, as when another node publishes
        // at that moment: the history read must end where the open said, and the rest come live.
        var options = new BroadcastHubOptions { HistorySize = 10 };
        var log = new InMemoryRoomLog(options);
        var first = new InMemoryBroadcastHub(options, log: log);
        _hubs.Add(first);
        var room = Rooms.Unique();
        PublishResult resumeAt = default;
        for (var i = 1; i <= 3; i++)
        {
            var published = await first.PublishAsync(room, "ann", $"m{i}").DefaultTimeout();
            resumeAt = i == 1 ? published : resumeAt;
        }

        using var second = new BroadcastHub(options, new AppendingOnOpen(log, () => first.PublishAsync(room, "ann", "m4")));
        await using var resumed = await second.SubscribeAsync(room, new SubscribeOptions { AfterSequence = resumeAt.Sequence, Epoch = resumeAt.Epoch }).DefaultTimeout();

        var events = await ReadAsync(resumed.Events, 3);
        Assert.Equal([(2L, "m2"), (3L, "m3"), (4L, "m4")], events.Select(e => (e.Sequence, e.Text)));
        Assert.False(resumed.Events.TryRead(out _));
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

    /// <summary>A log that has another hub append to the room once it is open, before the opener reads its history.</summary>
    private sealed class AppendingOnOpen(IRoomLog inner, Func<ValueTask<PublishResult>> append) : IRoomLog
    {
        public async ValueTask<IRoomLogSession> OpenAsync(string room, IRoomLogListener listener, CancellationToken cancellationToken = default)
        {
            var session = await inner.OpenAsync(room, listener, cancellationToken);
            await append();
            return session;
        }
    }
}
