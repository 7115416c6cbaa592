namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>Two servers shared by the tests of a class, as two nodes behind one service; each test uses rooms of its own.</summary>
public sealed class TwoServersFixture : IAsyncLifetime
{
    private GreeterServer? _first;
    private GreeterServer? _second;

    public GreeterServer First => _first ?? throw new InvalidOperationException("not started");

    public GreeterServer Second => _second ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        var starting = new[] { GreeterServer.StartAsync(), GreeterServer.StartAsync() };
        await Task.WhenAll(starting);
        (_first, _second) = (starting[0].Result, starting[1].Result);
    }

    public async Task DisposeAsync()
    {
        foreach (var server in new[] { _first, _second })
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }
        }
    }
}
