namespace StreamingGreeter.Tests;

/// <summary>
/// One redis-server for the tests that can share it (each uses rooms of its own); tests that stop Redis start their own.
/// Without redis-server installed the fixture holds nothing and each test skips (or fails under CI) on first use.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server
    {
        get
        {
            RedisServer.Require();
            return _server ?? throw new InvalidOperationException("redis-server did not start");
        }
    }

    public async Task InitializeAsync()
    {
        if (RedisServer.IsInstalled)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "Redis";
}
