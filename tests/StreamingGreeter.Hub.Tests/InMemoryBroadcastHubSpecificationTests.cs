using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Specification.Tests;

namespace StreamingGreeter.Hub.Tests;

/// <summary>The in-memory hub passes the specification every hub passes.</summary>
public sealed class InMemoryBroadcastHubSpecificationTests : BroadcastHubSpecification
{
    protected override IBroadcastHub CreateNewHub(BroadcastHubOptions options) => new InMemoryBroadcastHub(options, Time);

    protected override ValueTask DisposeHubAsync(IBroadcastHub hub)
    {
        ((InMemoryBroadcastHub)hub).Dispose();
        return ValueTask.CompletedTask;
    }
}
