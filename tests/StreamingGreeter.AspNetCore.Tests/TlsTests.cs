using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>HTTPS endpoints from Kestrel:Endpoints (PEM or PFX) speaking HTTP/2 through ALPN.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TestCertificates _certificates = TestCertificates.Create();

    [Fact]
    public async Task PemEndpoint_ClientTrustingTheCa_GreetsAndStreamsOverHttp2()
    {
        await using var server = await TestServer.StartAsync(_certificates.PemEndpoint());
        using var handler = new RecordingHandler(_certificates.TrustingHandler());
        var client = new Greeter.GreeterClient(server.CreateChannel(handler));

        var reply = await client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();
        using var stream = client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 3 });
        var replies = await stream.ResponseStream.ReadToEndAsync();

        Assert.Equal(Uri.UriSchemeHttps, server.Address.Scheme);
        Assert.Equal("Hello, World", reply.Message);
        Assert.Equal(3, replies.Count);
        Assert.Equal(new Version(2, 0), handler.LastVersion);
    }

    [Fact]
    public async Task PfxEndpointWithPassword_ClientTrustingTheCa_Greets()
    {
        await using var server = await TestServer.StartAsync(_certificates.PfxEndpoint());
        var client = new Greeter.GreeterClient(server.CreateChannel(_certificates.TrustingHandler()));

        var reply = await client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();

        Assert.Equal("Hello, World", reply.Message);
    }

    [Fact]
    public async Task PlaintextClientOnTheTlsPort_FailsCleanly_ServerKeepsServingTls()
    {
        await using var server = await TestServer.StartAsync(_certificates.PemEndpoint());
        using var plaintext = GrpcChannel.ForAddress(new UriBuilder(server.Address) { Scheme = Uri.UriSchemeHttp }.Uri);

        var error = await new Greeter.GreeterClient(plaintext).SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.ThrowsRpcAsync();
        var reply = await new Greeter.GreeterClient(server.CreateChannel(_certificates.TrustingHandler()))
            .SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();

        // grpc-dotnet reports a connection that never became HTTP/2 as UNAVAILABLE, or INTERNAL when it broke mid-way.
        Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, error.ToString());
        Assert.Contains("HttpRequestException", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("Hello, World", reply.Message);
    }

    [Fact]
    public async Task ClientNotTrustingTheCa_FailsWithACertificateError()
    {
        await using var server = await TestServer.StartAsync(_certificates.PemEndpoint());
        // The system's trust store knows nothing of the test CA.
        var client = new Greeter.GreeterClient(server.CreateChannel());

        var error = await client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.ThrowsRpcAsync();

        Assert.True(error.StatusCode is StatusCode.Unavailable or StatusCode.Internal, error.ToString());
        Assert.Contains("The SSL connection could not be established", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("certificate", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JwtOverTls_TokenAccepted()
    {
        await using var server = await TestServer.StartAsync([.. _certificates.PemEndpoint(), .. TestTokens.Settings()]);
        var client = new Greeter.GreeterClient(server.CreateChannel(_certificates.TrustingHandler()));
        var room = Rooms.Unique();

        var reply = await client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.DefaultTimeout();

        Assert.Equal(1, reply.Sequence);
    }

    public void Dispose() => _certificates.Dispose();

    /// <summary>Remembers the HTTP version of the last response, to see what ALPN agreed.</summary>
    private sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public Version? LastVersion { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            LastVersion = response.Version;
            return response;
        }
    }
}
