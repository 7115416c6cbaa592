using StreamingGreeter.AspNetCore.Connections;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Internal;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Connections that hold file descriptors without serving a call: too many at once, or silent, are closed.</summary>
public sealed class ConnectionLimitTests : IDisposable
{
    private const string Refused = "streaminggreeter.connections.refused";

    // Long enough that no silent socket of a limit test is closed for its silence instead.
    private const string NoPrefaceTimeout = "Greeter:ConnectionPrefaceTimeout=00:10:00";
    private const string OneWarningPerTest = "Greeter:ConnectionWarningInterval=1.00:00:00";
    private const string ShortPrefaceTimeout = "Greeter:ConnectionPrefaceTimeout=00:00:00.500";

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly TestCertificates _certificates = TestCertificates.Create();
    private readonly List<IDisposable> _sockets = [];

    [Fact]
    public async Task Connect_BeyondMaxConnectionsPerAddress_ClosedAtOnceAndServedAgainOnceOneCloses()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxConnectionsPerAddress=5", NoPrefaceTimeout, OneWarningPerTest);
        using var metrics = new MeterTotals(server);
        var silent = new List<TcpClient>();
        for (var i = 0; i < 5; i++)
        {
            silent.Add(await ConnectAsync(server));
        }

        await WaitForConnectionsAsync(server, 5);

        await AssertRefusedAsync(server);
        var refused = await FreshClient(server).SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.ThrowsRpcAsync();
        silent[0].Dispose();
        await WaitForConnectionsAsync(server, 4);
        var reply = await FreshClient(server).SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();

        // Grpc.Net.Client reports a connection closed at once as UNAVAILABLE, or as INTERNAL when it was still waiting for
        // the server's HTTP/2 SETTINGS (HttpClient then raises its error with no IOException inside).
        Assert.True(
            refused.StatusCode == StatusCode.Unavailable || (refused.StatusCode == StatusCode.Internal && refused.Status.Detail.Contains("HTTP/2 handshake", StringComparison.Ordinal)),
            refused.Status.ToString());
        Assert.Equal("Hello, World", reply.Message);
        // At least the two refusals above; a client may try its refused connection again before it gives up.
        Assert.InRange(metrics[$"{Refused}[reason=max_connections_per_address]"], 2, 10);
    }

    [Fact]
    public async Task Connect_BeyondMaxConnections_ClosedAtOnce()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxConnections=2", NoPrefaceTimeout, OneWarningPerTest);
        using var metrics = new MeterTotals(server);
        await ConnectAsync(server);
        await ConnectAsync(server);
        await WaitForConnectionsAsync(server, 2);

        await AssertRefusedAsync(server);

        Assert.Equal(1, metrics[$"{Refused}[reason=max_connections]"]);
        var warning = Assert.Single(server.Logs.Messages, static m => m.Contains("connections were refused", StringComparison.Ordinal));
        Assert.Contains("Greeter:MaxConnections (2)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_ManyRefused_OneWarningNamingTheLimit()
    {
        await using var server = await TestServer.StartAsync("Greeter:MaxConnectionsPerAddress=1", NoPrefaceTimeout, OneWarningPerTest);
        using var metrics = new MeterTotals(server);
        await ConnectAsync(server);
        await WaitForConnectionsAsync(server, 1);

        for (var i = 0; i < 20; i++)
        {
            await AssertRefusedAsync(server);
        }

        Assert.Equal(20, metrics[$"{Refused}[reason=max_connections_per_address]"]);
        var warning = Assert.Single(server.Logs.Messages, static m => m.Contains("connections were refused", StringComparison.Ordinal));
        Assert.Contains("Greeter:MaxConnectionsPerAddress (1)", warning, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connect_SendsNothing_ClosedAfterPrefaceTimeoutWithOneWarning()
    {
        await using var server = await TestServer.StartAsync(ShortPrefaceTimeout, OneWarningPerTest);
        using var metrics = new MeterTotals(server);

        await AssertClosedByServerAsync((await ConnectAsync(server)).GetStream());
        await AssertClosedByServerAsync((await ConnectAsync(server)).GetStream());

        Assert.Equal(2, metrics[$"{Refused}[reason=preface_timeout]"]);
        var warning = Assert.Single(server.Logs.Messages, static m => m.Contains("no complete HTTP/2 preface", StringComparison.Ordinal));
        Assert.Contains("Greeter:ConnectionPrefaceTimeout", warning, StringComparison.Ordinal);
        await WaitForConnectionsAsync(server, 0);
    }

    [Fact]
    public async Task Connect_PrefaceByteByByteTooSlowly_Closed()
    {
        await using var server = await TestServer.StartAsync(ShortPrefaceTimeout);
        using var metrics = new MeterTotals(server);
        var stream = (await ConnectAsync(server)).GetStream();

        // A byte every 100 ms, never the whole preface: each one would have reset an idle timer. The pace is the
        // client under test, not a synchronisation; the server closes the socket within a few of them.
        try
        {
            for (var i = 0; i < Preface.Length - 1; i++)
            {
                await stream.WriteAsync(Preface.AsMemory(i, 1)).AsTask().DefaultTimeout();
                await Task.Delay(100);
            }
        }
        catch (IOException)
        {
            // Closed while still trickling.
        }

        await AssertClosedByServerAsync(stream);
        Assert.Equal(1, metrics[$"{Refused}[reason=preface_timeout]"]);
    }

    [Fact]
    public async Task TlsConnect_SendsNothing_ClosedAfterPrefaceTimeout()
    {
        await using var server = await TestServer.StartAsync([.. _certificates.PemEndpoint(), ShortPrefaceTimeout]);
        using var metrics = new MeterTotals(server);

        await AssertClosedByServerAsync((await ConnectAsync(server)).GetStream());

        Assert.Equal(1, metrics[$"{Refused}[reason=preface_timeout]"]);
    }

    [Fact]
    public async Task TlsConnect_HandshakeThenNothing_ClosedAfterPrefaceTimeout()
    {
        await using var server = await TestServer.StartAsync([.. _certificates.PemEndpoint(), ShortPrefaceTimeout]);
        using var metrics = new MeterTotals(server);
        var tls = await HandshakeAsync(server);

        await AssertClosedByServerAsync(tls);

        Assert.Equal(1, metrics[$"{Refused}[reason=preface_timeout]"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Channel_IdleLongerThanPrefaceTimeout_KeepsItsConnectionWhileASilentOneIsClosed(bool tls)
    {
        var time = new FakeTimeProvider();
        await using var server = await TestServer.StartAsync(
            services => services.AddSingleton<TimeProvider>(time),
            [.. tls ? _certificates.PemEndpoint() : [], ShortPrefaceTimeout]);
        using var metrics = new MeterTotals(server);
        var client = new Greeter.GreeterClient(tls ? server.CreateChannel(_certificates.TrustingHandler()) : server.CreateChannel());
        await client.SayHelloAsync(new HelloRequest { Name = "Ann" }).ResponseAsync.DefaultTimeout();
        var silent = await ConnectAsync(server);
        await WaitForConnectionsAsync(server, 2);

        // The silent connection's timer may be armed a moment after it is counted: the clock moves on until it fires.
        var closed = AssertClosedByServerAsync(silent.GetStream());
        await Wait.UntilAsync(
            () =>
            {
                time.Advance(TimeSpan.FromMinutes(1));
                return closed.IsCompleted;
            },
            () => "the silent connection is still open");
        await closed;
        var reply = await client.SayHelloAsync(new HelloRequest { Name = "Bob" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("Hello, Bob", reply.Message);
        Assert.Equal(1, metrics[$"{Refused}[reason=preface_timeout]"]);
        // The server closed the silent connection; its count goes once Kestrel has torn it down.
        var counter = server.App.Services.GetRequiredService<ConnectionCounter>();
        await Wait.UntilAsync(() => counter.Total == 1, () => $"{counter.Total} connections counted, expected the channel's only");
    }

    public void Dispose()
    {
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        _certificates.Dispose();
    }

    private async Task<TcpClient> ConnectAsync(TestServer server)
    {
        var client = new TcpClient();
        _sockets.Add(client);
        await client.ConnectAsync(IPAddress.Loopback, server.Address.Port).DefaultTimeout();
        return client;
    }

    private async Task<SslStream> HandshakeAsync(TestServer server)
    {
        var tls = new SslStream((await ConnectAsync(server)).GetStream(), leaveInnerStreamOpen: false);
        _sockets.Add(tls);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            // What is under test is the connection's lifetime, not whom it reaches.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        }).DefaultTimeout();
        return tls;
    }

    private static Greeter.GreeterClient FreshClient(TestServer server) => new(server.CreateChannel());

    private static Task WaitForConnectionsAsync(TestServer server, int count)
    {
        var counter = server.App.Services.GetRequiredService<ConnectionCounter>();
        return Wait.UntilAsync(() => counter.Total == count, () => $"{counter.Total} connections open, {count} expected");
    }

    /// <summary>
    /// Connects, and reads until the server closes or resets the connection. The reset may come before the client has
    /// seen its connect complete, which then fails: refused just the same.
    /// </summary>
    private async Task AssertRefusedAsync(TestServer server)
    {
        TcpClient connected;
        try
        {
            connected = await ConnectAsync(server);
        }
        catch (SocketException error) when (error.SocketErrorCode == SocketError.ConnectionReset)
        {
            return;
        }

        await AssertClosedByServerAsync(connected.GetStream());
    }

    /// <summary>Reads until the server closes the connection (end of stream) or resets it.</summary>
    private static async Task AssertClosedByServerAsync(Stream stream)
    {
        var buffer = new byte[1024];
        try
        {
            while (await stream.ReadAsync(buffer).AsTask().DefaultTimeout() > 0)
            {
            }
        }
        catch (IOException)
        {
            // Reset rather than closed: gone either way.
        }
    }
}
