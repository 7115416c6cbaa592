using StreamingGreeter.Hub.Redis.Tests.Infrastructure;
using StreamingGreeter.Hub.Tests;

namespace StreamingGreeter.Hub.Redis.Tests;

/// <summary>The Redis hub passes the contract the in-memory hub passes, one node at a time.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisBroadcastHubContractTests(RedisFixture redis) : BroadcastHubContractTests, IAsyncLifetime
{
    private readonly List<RedisBroadcastHub> _hubs = [];

    protected override IBroadcastHub CreateHub(Action<BroadcastHubOptions>? configure = null)
    {
        var options = new BroadcastHubOptions();
        configure?.Invoke(options);
        var hub = ConnectedHub.Create(options, redis.Server.Configuration, time: Time);
        _hubs.Add(hub);
        return hub;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var hub in _hubs)
        {
            await hub.DisposeAsync().DefaultTimeout();
        }
    }
}
