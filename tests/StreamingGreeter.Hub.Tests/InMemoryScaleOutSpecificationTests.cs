using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Specification.Tests;

namespace StreamingGreeter.Hub.Tests;

/// <summary>In-memory hubs over one shared <see cref="InMemoryRoomLog"/> pass the scale-out specification, as Redis nodes do.</summary>
public sealed class InMemoryScaleOutSpecificationTests : ScaleOutBroadcastHubSpecification
{
    private InMemoryRoomLog? _log;

    protected override bool LogOutlivesNodes => false;

    protected override Task<IReadOnlyList<IBroadcastHub>> CreateNewNodesAsync(int count, BroadcastHubOptions options)
    {
        // Every node of one test shares the log the test's first node was made with.
        _log ??= new InMemoryRoomLog(options);
        return Task.FromResult<IReadOnlyList<IBroadcastHub>>([.. Enumerable.Range(0, count).Select(_ => new InMemoryBroadcastHub(options, Time, log: _log))]);
    }

    protected override ValueTask DisposeNodeAsync(IBroadcastHub node)
    {
        ((InMemoryBroadcastHub)node).Dispose();
        return ValueTask.CompletedTask;
    }
}
