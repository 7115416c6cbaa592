using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// The client against a TLS server with JWT authentication: --ca-cert, --token and GREETER_TOKEN, tokens from
/// <c>greeter token</c>, and the exit codes of refusals.
/// </summary>
public sealed class SecurityTests(SecureServerFixture fixture) : IClassFixture<SecureServerFixture>
{
    private const int Usage = 2;
    private const int Unauthenticated = 6;
    private const int PermissionDenied = 7;
    private const int Tls = 8;

    [Fact]
    public async Task Hello_OverTlsTrustingTheCa_Greets()
    {
        var result = await GreeterCli.RunAsync(fixture.Secure("hello", "World"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, World"], result.Output);
    }

    [Fact]
    public async Task Hello_CaInTheSystemTrustStore_GreetsWithoutCaCert()
    {
        // On Linux, .NET reads its trusted roots from OpenSSL's locations, which SSL_CERT_FILE overrides: the test's CA
        // stands in for one an administrator installed.
        var trustingTheCa = new Dictionary<string, string?> { ["SSL_CERT_FILE"] = fixture.Certificates.CaCertificatePath };

        var result = await GreeterCli.RunAsync(["hello", "World", "--address", fixture.Server.Address], environment: trustingTheCa);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, World"], result.Output);
    }

    [Fact]
    public async Task Hello_WithoutCaCert_ExitsTlsNamingTheCertificateProblem()
    {
        var result = await GreeterCli.RunAsync(["hello", "World", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == Tls, result.ToString());
        var line = Assert.Single(result.Error);
        Assert.StartsWith($"error: no TLS connection to {fixture.Server.Address}: ", line, StringComparison.Ordinal);
        Assert.Contains("certificate", line, StringComparison.Ordinal);
        Assert.EndsWith("(for a server with a private CA, pass --ca-cert FILE; for one without TLS, use http://)", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hello_TrustingAnotherCa_ExitsTls()
    {
        var result = await GreeterCli.RunAsync(["hello", "World", "--address", fixture.Server.Address, "--ca-cert", fixture.Certificates.OtherCaCertificatePath]);

        Assert.True(result.ExitCode == Tls, result.ToString());
        Assert.StartsWith($"error: no TLS connection to {fixture.Server.Address}: ", Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hello", "World")]
    [InlineData("subscribe", "--room", "news")]
    public async Task PlaintextAddressOnTheTlsPort_ExitsTlsSuggestingHttps(params string[] arguments)
    {
        var result = await GreeterCli.RunAsync([.. arguments, "--address", $"http://127.0.0.1:{fixture.Server.Port}"]);

        Assert.True(result.ExitCode == Tls, result.ToString());
        Assert.Equal(
            [$"error: the server at http://127.0.0.1:{fixture.Server.Port} does not speak HTTP/2 without TLS: if it is a TLS server, use https://127.0.0.1:{fixture.Server.Port}"],
            result.Error);
    }

    [Fact]
    public async Task CaCertFileMissing_ExitsUsage()
    {
        var result = await GreeterCli.RunAsync(["hello", "World", "--address", fixture.Server.Address, "--ca-cert", "/nonexistent/ca.pem"]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.StartsWith("error: --ca-cert \"/nonexistent/ca.pem\" cannot be read", Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("   ")]
    public async Task Publish_NoToken_ExitsUnauthenticatedSayingWhy(string? environmentToken)
    {
        // A GREETER_TOKEN of blanks is no token, not an empty one sent as "Bearer ".
        var environment = new Dictionary<string, string?> { ["GREETER_TOKEN"] = environmentToken };

        var result = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", "news", "hi"), environment: environment);

        Assert.True(result.ExitCode == Unauthenticated, result.ToString());
        Assert.Equal(
            ["error: not authenticated: no token: this call needs a bearer token in metadata \"authorization: Bearer <token>\" (a token goes in --token or $GREETER_TOKEN)"],
            result.Error);
    }

    [Fact]
    public async Task PublishAndSubscribe_MintedTokenFromKeyFile_AcceptedAndSenderIsTheToken()
    {
        var room = "team-" + Guid.NewGuid().ToString("N")[..8];
        var token = await fixture.MintAsync("ann", "--rooms", "team-*");

        // Two lines, two publishes; the subscriber replays the second (after sequence 1).
        var published = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", room, "--token", token), "hello\nhello team\n");
        var received = await GreeterCli.RunAsync(fixture.Secure("subscribe", "--room", room, "--from", "1", "--max", "1", "--json", "--token", token));

        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.Equal(2, published.Output.Count);
        Assert.True(received.ExitCode == 0, received.ToString());
        var line = Assert.Single(received.Output);
        Assert.Contains("\"sender\":\"ann\"", line, StringComparison.Ordinal);
        Assert.Contains("\"text\":\"hello team\"", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_TokenFromEnvironment_Accepted()
    {
        var room = "team-" + Guid.NewGuid().ToString("N")[..8];
        var token = await fixture.MintAsync("ann", "--rooms", "team-*");

        var result = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", room, "hi"), environment: new Dictionary<string, string?> { ["GREETER_TOKEN"] = token });

        Assert.True(result.ExitCode == 0, result.ToString());
    }

    [Fact]
    public async Task Publish_RoomOutsideTheToken_ExitsPermissionDenied()
    {
        var token = await fixture.MintAsync("ann", "--rooms", "team-*");

        var result = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", "secret", "--token", token, "hi"));

        Assert.True(result.ExitCode == PermissionDenied, result.ToString());
        Assert.Equal(["error: permission denied: \"ann\" may not publish into room \"secret\": the token's rooms and publish claims grant team-*"], result.Error);
    }

    [Fact]
    public async Task Publish_SpoofedName_ExitsPermissionDenied()
    {
        var token = await fixture.MintAsync("ann", "--rooms", "team-*");

        var result = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", "team-x", "--name", "bob", "--token", token, "hi"));

        Assert.True(result.ExitCode == PermissionDenied, result.ToString());
        Assert.StartsWith("error: permission denied: sender \"bob\" is not this caller", Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_TokenWithoutName_ChatsAsTheTokensNameAndLeavesOnceItsLineCameBack()
    {
        var room = "team-" + Guid.NewGuid().ToString("N")[..8];
        var token = await fixture.MintAsync("zoe", "--rooms", "team-*");

        // The line is recognised by its echo under the token's name: otherwise chat would wait for it and never leave.
        var result = await GreeterCli.RunAsync(fixture.Secure("chat", "--room", room, "--token", token), "hi team\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, result.Output.Count);
        Assert.Equal("* zoe joined", result.Output[0]);
        Assert.Matches(@"^\d\d:\d\d:\d\d zoe: hi team$", result.Output[1]);
        Assert.Equal("* zoe left", result.Output[2]);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Chat_NeitherNameNorToken_ExitsUsage()
    {
        var result = await GreeterCli.RunAsync(["chat", "--room", "team-x", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.Equal("error: Option '--name' is required (or a token, whose name is used).", result.Error[0]);
    }

    [Fact]
    public async Task Subscribe_SubscribeOnlyToken_SubscribesButPublishIsDenied()
    {
        var room = "news-" + Guid.NewGuid().ToString("N")[..8];
        var reader = await fixture.MintAsync("reader", "--subscribe", "news-*");
        var writer = await fixture.MintAsync("writer", "--publish", "news-*");

        var denied = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", room, "--token", reader, "hi"));
        var published = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", room, "--token", writer), "first\nfrom the writer\n");
        var received = await GreeterCli.RunAsync(fixture.Secure("subscribe", "--room", room, "--from", "1", "--max", "1", "--token", reader));

        Assert.True(denied.ExitCode == PermissionDenied, denied.ToString());
        Assert.True(published.ExitCode == 0, published.ToString());
        Assert.True(received.ExitCode == 0, received.ToString());
        Assert.EndsWith("writer: from the writer", Assert.Single(received.Output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_TokenSignedWithAnotherKey_ExitsUnauthenticatedBadSignature()
    {
        var otherKey = Path.Combine(fixture.Certificates.Folder, "other-signing.key");
        using (var key = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            await File.WriteAllTextAsync(otherKey, key.ExportPkcs8PrivateKeyPem());
        }

        var minted = await GreeterCli.RunAsync(["token", "--name", "ann", "--rooms", "team-*", "--key-file", otherKey, "--issuer", SecureServerFixture.Issuer, "--audience", SecureServerFixture.Audience]);
        var result = await GreeterCli.RunAsync(fixture.Secure("publish", "--room", "team-x", "--token", Assert.Single(minted.Output), "hi"));

        Assert.True(result.ExitCode == Unauthenticated, result.ToString());
        Assert.StartsWith("error: not authenticated: bad signature: ", Assert.Single(result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokenOverPlaintextToAnotherHost_RefusedBeforeSending()
    {
        var result = await GreeterCli.RunAsync(["hello", "World", "--address", "http://192.0.2.1:50051", "--token", "x.y.z"]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.Equal(["error: a token is only sent over TLS, or over plain http:// to this machine: use https:// for http://192.0.2.1:50051"], result.Error);
    }

    [Theory]
    [InlineData("no key", "token", "--name", "ann", "--issuer", "i", "--audience", "a")]
    [InlineData("two keys", "token", "--name", "ann", "--issuer", "i", "--audience", "a", "--key", "0123456789012345678901234567890123", "--key-file", "/dev/null")]
    [InlineData("short secret", "token", "--name", "ann", "--issuer", "i", "--audience", "a", "--key", "short")]
    [InlineData("bad lifetime", "token", "--name", "ann", "--issuer", "i", "--audience", "a", "--key", "0123456789012345678901234567890123", "--lifetime", "soon")]
    [InlineData("lifetime past ten years", "token", "--name", "ann", "--issuer", "i", "--audience", "a", "--key", "0123456789012345678901234567890123", "--lifetime", "300000000d")]
    [InlineData("no name", "token", "--issuer", "i", "--audience", "a", "--key", "0123456789012345678901234567890123")]
    public async Task Token_BadCommandLine_ExitsUsage(string why, params string[] arguments)
    {
        var result = await GreeterCli.RunAsync(arguments);

        Assert.True(result.ExitCode == Usage, why + "\n" + result);
        Assert.Empty(result.Output);
        Assert.StartsWith("error: ", result.Error[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_HmacSecret_HasTheClaimsAsked()
    {
        var result = await GreeterCli.RunAsync(["token", "--name", "ann", "--sub", "u42", "--rooms", "news", "team-*", "--publish", "user:*", "--key", "0123456789012345678901234567890123", "--issuer", "iss", "--audience", "aud", "--lifetime", "90s"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var parts = Assert.Single(result.Output).Split('.');
        Assert.Equal(3, parts.Length);
        var header = Decode(parts[0]);
        var payload = Decode(parts[1]);
        Assert.Contains("\"alg\":\"HS256\"", header, StringComparison.Ordinal);
        Assert.Contains("\"sub\":\"u42\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"name\":\"ann\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"rooms\":[\"news\",\"team-*\"]", payload, StringComparison.Ordinal);
        Assert.Contains("\"publish\":[\"user:*\"]", payload, StringComparison.Ordinal);
        Assert.Contains("\"iss\":\"iss\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"aud\":\"aud\"", payload, StringComparison.Ordinal);
        using var json = System.Text.Json.JsonDocument.Parse(payload);
        Assert.Equal(90, json.RootElement.GetProperty("exp").GetInt64() - json.RootElement.GetProperty("iat").GetInt64());
    }

    private static string Decode(string part)
    {
        var padded = part.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(padded));
    }
}
