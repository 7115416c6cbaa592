using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using StreamingGreeter.Hub.Specification.Tests;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>Redis hubs in one process, each with its own connection to one redis-server, pass the scale-out specification.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisScaleOutSpecificationTests(RedisFixture redis) : ScaleOutBroadcastHubSpecification
{
    protected override Task<IReadOnlyList<IBroadcastHub>> CreateNewNodesAsync(int count, BroadcastHubOptions options) =>
        Task.FromResult<IReadOnlyList<IBroadcastHub>>([.. Enumerable.Range(0, count).Select(_ => ConnectedHub.Create(options, redis.Server.Configuration, time: Time))]);

    protected override ValueTask DisposeNodeAsync(IBroadcastHub node) => ((RedisBroadcastHub)node).DisposeAsync();
}
