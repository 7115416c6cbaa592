using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using StreamingGreeter.Hub.Specification.Tests;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>The Redis hub passes the specification every hub passes, one node at a time.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisBroadcastHubSpecificationTests(RedisFixture redis) : BroadcastHubSpecification
{
    protected override IBroadcastHub CreateNewHub(BroadcastHubOptions options) => ConnectedHub.Create(options, redis.Server.Configuration, time: Time);

    protected override ValueTask DisposeHubAsync(IBroadcastHub hub) => ((RedisBroadcastHub)hub).DisposeAsync();
}
