using System.Globalization;

namespace StreamingGreeter.Server.Tests;

/// <summary>The host warns at start when it listens without TLS on an address other hosts can reach.</summary>
public sealed class PlaintextWarningTests : IDisposable
{
    private const string Warning = "without TLS";

    private readonly TestCertificates _certificates = TestCertificates.Create();

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    public async Task PlaintextOnAllInterfaces_WarnsAtStart(string url)
    {
        await using var server = await GreeterServer.StartWithArgumentsAsync("--urls", url);

        var index = await server.Log.WaitForAsync(static line => line.Contains(Warning, StringComparison.Ordinal), "the plaintext warning");
        var warning = server.Log.Lines[index];

        Assert.Contains("WRN]", warning, StringComparison.Ordinal);
        Assert.Contains(server.Port.ToString(CultureInfo.InvariantCulture), warning, StringComparison.Ordinal);
        Assert.Contains("Kestrel:Endpoints", warning, StringComparison.Ordinal);
        await server.StopAsync();
        Assert.Single(server.Log.Lines, static line => line.Contains(Warning, StringComparison.Ordinal));
        server.AssertNoErrorLogs();
    }

    [Theory]
    [InlineData("http://127.0.0.1:0")]
    [InlineData("http://[::1]:0")]
    public async Task PlaintextOnLoopback_NoWarning(string url)
    {
        await using var server = await GreeterServer.StartWithArgumentsAsync("--urls", url);

        // Everything the host logs at start is out once it has exited.
        await server.StopAsync();

        Assert.DoesNotContain(server.Log.Lines, static line => line.Contains(Warning, StringComparison.Ordinal));
        server.AssertNoErrorLogs();
    }

    [Fact]
    public async Task TlsOnAllInterfaces_NoWarning()
    {
        await using var server = await GreeterServer.StartWithArgumentsAsync(
            "--Kestrel:Endpoints:Https:Url=https://0.0.0.0:0",
            $"--Kestrel:Endpoints:Https:Certificate:Path={_certificates.ServerCertificatePath}",
            $"--Kestrel:Endpoints:Https:Certificate:KeyPath={_certificates.ServerKeyPath}");

        await server.StopAsync();

        Assert.Equal(Uri.UriSchemeHttps, server.Scheme);
        Assert.DoesNotContain(server.Log.Lines, static line => line.Contains(Warning, StringComparison.Ordinal));
        server.AssertNoErrorLogs();
    }

    public void Dispose() => _certificates.Dispose();
}
