using System.Net.Sockets;
using System.Security.Authentication;
using Grpc.Core;
using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>What a failed call means: whether a stream reconnects, the exit code, and the words the user reads.</summary>
public sealed class RpcFailureTests
{
    private static readonly ServerAddresses One = Addresses("http://127.0.0.1:50051");

    [Theory]
    [InlineData(StatusCode.Unavailable, true)]
    [InlineData(StatusCode.ResourceExhausted, true)]
    [InlineData(StatusCode.Aborted, true)]
    [InlineData(StatusCode.Internal, true)]
    [InlineData(StatusCode.Cancelled, false)]
    [InlineData(StatusCode.Unknown, false)]
    [InlineData(StatusCode.InvalidArgument, false)]
    [InlineData(StatusCode.DeadlineExceeded, false)]
    [InlineData(StatusCode.NotFound, false)]
    [InlineData(StatusCode.FailedPrecondition, false)]
    [InlineData(StatusCode.PermissionDenied, false)]
    [InlineData(StatusCode.Unauthenticated, false)]
    [InlineData(StatusCode.Unimplemented, false)]
    public void IsTransient_ByStatus_OnlyWhatAResumeCanRecoverFrom(StatusCode code, bool expected)
    {
        Assert.Equal(expected, RpcFailure.IsTransient(Answer(code)));
    }

    [Theory]
    [InlineData(StatusCode.Unauthenticated, 6)]
    [InlineData(StatusCode.PermissionDenied, 7)]
    [InlineData(StatusCode.Unavailable, 3)]
    [InlineData(StatusCode.InvalidArgument, 4)]
    [InlineData(StatusCode.DeadlineExceeded, 5)]
    [InlineData(StatusCode.Cancelled, 130)]
    [InlineData(StatusCode.ResourceExhausted, 1)]
    [InlineData(StatusCode.Internal, 1)]
    [InlineData(StatusCode.NotFound, 1)]
    [InlineData(StatusCode.Unknown, 1)]
    public void ExitCodeOf_ByStatus_DocumentedCode(StatusCode code, int expected)
    {
        Assert.Equal(expected, (int)RpcFailure.ExitCodeOf(Answer(code)));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.Internal)]
    public void ExitCodeOf_TlsFailure_IsTlsWhateverTheStatus(StatusCode code)
    {
        var error = Transport(code, new HttpRequestException("ssl", new AuthenticationException("the remote certificate is invalid")));

        Assert.True(RpcFailure.IsTlsFailure(error));
        Assert.True(RpcFailure.IsConnectFailure(error));
        Assert.Equal(ExitCode.Tls, RpcFailure.ExitCodeOf(error));
    }

    [Fact]
    public void IsConnectFailure_RefusedOrUnresolved_True_ServerStatus_False()
    {
        var refused = Transport(StatusCode.Unavailable, new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)));
        var unresolved = Transport(StatusCode.Unavailable, new HttpRequestException(HttpRequestError.NameResolutionError, "no such host"));
        var reset = Transport(StatusCode.Unavailable, new IOException("the connection was reset"));
        var socketButDeadline = Transport(StatusCode.DeadlineExceeded, new SocketException((int)SocketError.TimedOut));

        Assert.True(RpcFailure.IsConnectFailure(refused));
        Assert.True(RpcFailure.IsConnectFailure(unresolved));
        Assert.False(RpcFailure.IsConnectFailure(reset));
        Assert.False(RpcFailure.IsConnectFailure(socketButDeadline));
        Assert.False(RpcFailure.IsConnectFailure(Answer(StatusCode.Unavailable)));
    }

    [Fact]
    public void IsServerAnswer_OnlyWithoutATransportException()
    {
        Assert.True(RpcFailure.IsServerAnswer(Answer(StatusCode.Unavailable)));
        Assert.False(RpcFailure.IsServerAnswer(Transport(StatusCode.Unavailable, new IOException("reset"))));
    }

    [Fact]
    public void Describe_ConnectFailure_SaysNoServerAtTheAddresses()
    {
        var refused = Transport(StatusCode.Unavailable, new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal("no server at http://127.0.0.1:50051 — is it running?", RpcFailure.Describe(refused, One));
        Assert.Equal(
            "no server at any of http://127.0.0.1:50051, http://127.0.0.1:50052 — are they running?",
            RpcFailure.Describe(refused, Addresses("http://127.0.0.1:50051", "http://127.0.0.1:50052")));
    }

    [Fact]
    public void Describe_TlsFailure_OnHttps_NamesTheCertificateProblemAndTheWayOut()
    {
        var error = Transport(StatusCode.Unavailable, new HttpRequestException("ssl", new AuthenticationException("The remote certificate is invalid.")));

        Assert.Equal(
            "no TLS connection to https://greeter.example:8443: The remote certificate is invalid (for a server with a private CA, pass --ca-cert FILE; for one without TLS, use http://)",
            RpcFailure.Describe(error, Addresses("https://greeter.example:8443")));
    }

    [Fact]
    public void Describe_HandshakeFailureOnHttp_SuggestsHttps()
    {
        var error = Transport(StatusCode.Unavailable, new HttpRequestException(HttpRequestError.InvalidResponse, "no settings frame"));

        Assert.Equal(
            "the server at http://127.0.0.1:50051 does not speak HTTP/2 without TLS: if it is a TLS server, use https://127.0.0.1:50051",
            RpcFailure.Describe(error, One));
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "draining", "the server at http://127.0.0.1:50051 is unavailable: draining")]
    [InlineData(StatusCode.DeadlineExceeded, "deadline", "no answer from http://127.0.0.1:50051 within the time allowed (--timeout)")]
    [InlineData(StatusCode.InvalidArgument, "room must be at most 128 characters", "room must be at most 128 characters")]
    [InlineData(StatusCode.Unauthenticated, "no token", "not authenticated: no token (a token goes in --token or $GREETER_TOKEN)")]
    [InlineData(StatusCode.PermissionDenied, "room news not granted", "permission denied: room news not granted")]
    [InlineData(StatusCode.NotFound, "", "the server answered NotFound: NotFound")]
    [InlineData(StatusCode.Internal, "first line\nsecond line", "the server answered Internal: first line")]
    public void Describe_ServerStatus_OneLine(StatusCode code, string detail, string expected)
    {
        Assert.Equal(expected, RpcFailure.Describe(new RpcException(new Status(code, detail)), One));
    }

    [Fact]
    public void Reason_ByFailure_AFewWordsForTheReconnectNotice()
    {
        var refused = Transport(StatusCode.Unavailable, new SocketException((int)SocketError.ConnectionRefused));
        var dropped = new RpcException(new Status(StatusCode.ResourceExhausted, "subscriber fell behind"));

        Assert.Equal("no server at http://127.0.0.1:50051", RpcFailure.Reason(refused, One));
        Assert.Equal("the server dropped this stream: subscriber fell behind", RpcFailure.Reason(dropped, One));
        Assert.Equal("server shutting down", RpcFailure.Reason(new RpcException(new Status(StatusCode.Unavailable, "server shutting down")), One));
    }

    private static RpcException Answer(StatusCode code) => new(new Status(code, "detail"));

    private static RpcException Transport(StatusCode code, Exception debug) => new(new Status(code, "transport failure", debug));

    private static ServerAddresses Addresses(params string[] values)
    {
        Assert.True(ServerAddresses.TryParse(values, "http://localhost:50051", out var addresses, out var error), error);
        return addresses!;
    }
}
