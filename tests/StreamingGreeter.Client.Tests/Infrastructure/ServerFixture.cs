namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>One server shared by the tests of a class; each test uses rooms of its own.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private GreeterServer? _server;

    public GreeterServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await GreeterServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
