using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StreamingGreeter.Tests;

/// <summary>
/// A private CA and a server certificate it signed for 127.0.0.1, ::1 and localhost, written to a temporary folder as
/// PEM (certificate and key) and as a password-protected PFX, the way an operator would hand them to the server.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    public const string PfxPassword = "test-pfx-password";

    private TestCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    /// <summary>The CA's certificate: what a client passes with --ca-cert.</summary>
    public string CaCertificatePath => Path.Combine(Folder, "ca.pem");

    public string ServerCertificatePath => Path.Combine(Folder, "server.pem");

    public string ServerKeyPath => Path.Combine(Folder, "server.key");

    public string ServerPfxPath => Path.Combine(Folder, "server.pfx");

    /// <summary>A CA no server certificate chains to, for the untrusted case.</summary>
    public string OtherCaCertificatePath => Path.Combine(Folder, "other-ca.pem");

    public X509Certificate2 CaCertificate { get; private set; } = null!;

    public static TestCertificates Create()
    {
        var folder = Directory.CreateTempSubdirectory("greeter-tls-").FullName;
        var certificates = new TestCertificates(folder);
        var now = DateTimeOffset.UtcNow;

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=StreamingGreeter Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var serverKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var serverRequest = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        serverRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var server = serverRequest.Create(ca, now.AddMinutes(-5), now.AddDays(1), [1, 2, 3, 4, 5, 6, 7, 8]);
        using var serverWithKey = server.CopyWithPrivateKey(serverKey);

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = new CertificateRequest("CN=Some Other CA", otherKey, HashAlgorithmName.SHA256).CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        File.WriteAllText(certificates.CaCertificatePath, ca.ExportCertificatePem());
        File.WriteAllText(certificates.OtherCaCertificatePath, other.ExportCertificatePem());
        File.WriteAllText(certificates.ServerCertificatePath, server.ExportCertificatePem());
        File.WriteAllText(certificates.ServerKeyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(certificates.ServerPfxPath, serverWithKey.Export(X509ContentType.Pfx, PfxPassword));
        certificates.CaCertificate = X509CertificateLoader.LoadCertificate(ca.RawData);
        return certificates;
    }

    /// <summary>Settings for an https endpoint on a free loopback port with the PEM certificate and key.</summary>
    public string[] PemEndpoint(string name = "Https") =>
    [
        $"Kestrel:Endpoints:{name}:Url=https://127.0.0.1:0",
        $"Kestrel:Endpoints:{name}:Certificate:Path={ServerCertificatePath}",
        $"Kestrel:Endpoints:{name}:Certificate:KeyPath={ServerKeyPath}",
    ];

    /// <summary>Settings for an https endpoint on a free loopback port with the password-protected PFX.</summary>
    public string[] PfxEndpoint(string name = "Https") =>
    [
        $"Kestrel:Endpoints:{name}:Url=https://127.0.0.1:0",
        $"Kestrel:Endpoints:{name}:Certificate:Path={ServerPfxPath}",
        $"Kestrel:Endpoints:{name}:Certificate:Password={PfxPassword}",
    ];

    /// <summary>A handler that trusts exactly the test CA, as the console client does with --ca-cert.</summary>
    public SocketsHttpHandler TrustingHandler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null || (errors & System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        };
        return handler;
    }

    public void Dispose()
    {
        CaCertificate?.Dispose();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A server still starting may hold a file open; the temporary folder is cleaned up by the system anyway.
        }
    }
}
