using System.Security.Cryptography;

namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>
/// A server as an operator would deploy it: TLS with a certificate from a private CA, and JWT authentication with an
/// ECDSA public key file, whose private key (<see cref="PrivateKeyPath"/>) signs tokens through <c>greeter token</c>.
/// </summary>
public sealed class SecureServerFixture : IAsyncLifetime
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "streaming-greeter";

    private GreeterServer? _server;

    public TestCertificates Certificates { get; } = TestCertificates.Create();

    public GreeterServer Server => _server ?? throw new InvalidOperationException("not started");

    public string PrivateKeyPath => Path.Combine(Certificates.Folder, "signing.key");

    public string PublicKeyPath => Path.Combine(Certificates.Folder, "signing.pub");

    public async Task InitializeAsync()
    {
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(PrivateKeyPath, key.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(PublicKeyPath, key.ExportSubjectPublicKeyInfoPem());
        }

        _server = await GreeterServer.StartAsync(0, [
            "--Kestrel:Endpoints:Https:Url=https://127.0.0.1:0",
            $"--Kestrel:Endpoints:Https:Certificate:Path={Certificates.ServerCertificatePath}",
            $"--Kestrel:Endpoints:Https:Certificate:KeyPath={Certificates.ServerKeyPath}",
            "--Auth:Mode=Jwt",
            $"--Auth:Issuer={Issuer}",
            $"--Auth:Audience={Audience}",
            $"--Auth:SigningKeyFile={PublicKeyPath}",
            // Expiry tests wait for exp itself, not exp plus the default 30 s of tolerance.
            "--Auth:ClockSkew=00:00:00",
        ]);
    }

    /// <summary>The <c>greeter token</c> arguments for this server, before the claims.</summary>
    public string[] TokenArguments(string name, params string[] more) =>
        ["token", "--name", name, "--key-file", PrivateKeyPath, "--issuer", Issuer, "--audience", Audience, .. more];

    /// <summary>Mints a token through <c>greeter token</c>, as a developer would.</summary>
    public async Task<string> MintAsync(string name, params string[] more)
    {
        var result = await GreeterCli.RunAsync(TokenArguments(name, more));
        Assert.True(result.ExitCode == 0, result.ToString());
        return Assert.Single(result.Output);
    }

    /// <summary>Arguments that reach this server over TLS, trusting its CA.</summary>
    public string[] Secure(params string[] arguments) => [.. arguments, "--address", Server.Address, "--ca-cert", Certificates.CaCertificatePath];

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Certificates.Dispose();
    }
}
