namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>One server with Auth:Mode Jwt (HMAC key, no clock skew) for a whole test class; tests keep apart by room.</summary>
public sealed class JwtServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(TestTokens.Settings());

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
