using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace StreamingGreeter.Client.Connection;

/// <summary>What every channel of this process carries: a bearer token to send, and the CA to trust instead of the system's.</summary>
internal sealed class ChannelSecurity(string? token, X509Certificate2Collection? trustedRoots)
{
    public static readonly ChannelSecurity None = new(null, null);

    /// <summary>The bearer token sent as <c>authorization</c> metadata on every call, if any.</summary>
    public string? Token { get; } = token;

    /// <summary>With <c>--ca-cert</c>: the only roots a server's certificate may chain to.</summary>
    public X509Certificate2Collection? TrustedRoots { get; } = trustedRoots;

    /// <summary>Reads <c>--ca-cert</c>'s PEM file; the message names the file and what is wrong with it.</summary>
    public static X509Certificate2Collection LoadRoots(string path)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ArgumentException($"--ca-cert \"{path}\" cannot be read: {error.Message}", error);
        }

        return roots.Count > 0 ? roots : throw new ArgumentException($"--ca-cert \"{path}\" holds no certificate in PEM (-----BEGIN CERTIFICATE-----)");
    }

    /// <summary>
    /// Why this security cannot be used with <paramref name="addresses"/>, or null. A token over plain HTTP/2 is allowed to
    /// loopback only: elsewhere anyone on the path could read it and speak as its owner.
    /// </summary>
    public string? ProblemWith(ServerAddresses addresses)
    {
        if (addresses.UseTls)
        {
            return null;
        }

        if (TrustedRoots is not null)
        {
            return $"--ca-cert needs an https:// address (got {addresses.Display})";
        }

        return Token is not null && !addresses.AreLoopback
            ? $"a token is only sent over TLS, or over plain http:// to this machine: use https:// for {addresses.Display}"
            : null;
    }

    /// <summary>Wraps the channel's handler so that every request carries the token and TLS trusts the given roots.</summary>
    public HttpMessageHandler Apply(SocketsHttpHandler handler)
    {
        if (TrustedRoots is { } roots)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, presented, errors) => IsTrusted(roots, certificate, presented, errors);
        }

        return Token is { } token ? new BearerTokenHandler(token) { InnerHandler = handler } : handler;
    }

    private static bool IsTrusted(X509Certificate2Collection roots, X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors)
    {
        // The name must still match: a private CA vouches for the certificate, not for whichever host presents it.
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        // A private CA rarely publishes revocation lists.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return chain.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private sealed class BearerTokenHandler(string token) : DelegatingHandler
    {
        private readonly System.Net.Http.Headers.AuthenticationHeaderValue _header = new("Bearer", token);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Authorization = _header;
            return base.SendAsync(request, cancellationToken);
        }
    }
}
