using StreamingGreeter.Hub;

namespace StreamingGreeter.Hub.Tests;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HubMemoryCollection
{
    public const string Name = "Hub memory";
}

/// <summary>
/// The hub's memory is bounded in bytes, not only in counts: a caller that tries to retain far more than the budgets
/// leaves the managed heap within them. Alone, so that no other test's allocations are measured.
/// </summary>
[Collection(HubMemoryCollection.Name)]
public sealed class HubMemoryTests
{
    private const long Budget = 16L << 20;

    /// <summary>Rooms, subscriber arrays and the like: what the budget does not count, for the rooms made here.</summary>
    private const long Slack = 8L << 20;

    [Fact]
    public async Task Publish_TenTimesTheRetainedBudgetIntoAThousandRooms_HeapStaysWithinTheBudget()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var hub = new InMemoryBroadcastHub(new BroadcastHubOptions { MaxRetainedBytes = Budget, MaxRetainedBytesPerCaller = 0 });
        var attempted = 0L;
        var refused = 0;
        for (var i = 0; attempted < 10 * Budget; i++)
        {
            // A string of its own each time: shared text would cost nothing to retain.
            var text = new string((char)('a' + (i % 26)), 4096);
            attempted += text.Length * sizeof(char);
            try
            {
                await hub.PublishAsync($"room-{i % 1000}", "flooder", text).DefaultTimeout();
            }
            catch (RetainedBytesLimitExceededException)
            {
                refused++;
            }
        }

        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        Assert.True(refused > 0, "the budget never refused a publish");
        Assert.InRange(hub.RetainedBytes, 1, Budget);
        Assert.True(grown < Budget + Slack, $"the heap grew by {grown:N0} bytes for {attempted:N0} bytes published; the budget is {Budget:N0}");
        GC.KeepAlive(hub);
    }

    [Fact]
    public async Task Publish_IntoIdleRooms_EmptyRoomsCostLittleMoreThanTheirHistory()
    {
        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var hub = new InMemoryBroadcastHub(new BroadcastHubOptions());
        for (var i = 0; i < 10_000; i++)
        {
            await hub.PublishAsync($"room-{i}", "a", "x").DefaultTimeout();
        }

        var grown = GC.GetTotalMemory(forceFullCollection: true) - before;
        // A full ring of Hub:HistorySize entries per room would take 24 bytes x 1,000 = 24 KB, 240 MB for these rooms.
        Assert.True(grown < 20L << 20, $"10,000 rooms of one event took {grown:N0} bytes");
        GC.KeepAlive(hub);
    }
}
