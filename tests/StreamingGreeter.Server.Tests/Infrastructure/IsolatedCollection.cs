namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>
/// Tests that load the machine (a thousand streams, a Python client) or bound how long something takes: they run on
/// their own, after the parallel tests, so neither disturbs the other.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class IsolatedCollection
{
    public const string Name = "Isolated";
}
