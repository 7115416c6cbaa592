using System.Net.Sockets;
using System.Security.Authentication;
using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// Which transport failures mean "no HTTP/2 connection could be agreed", in the shapes SocketsHttpHandler throws them:
/// those end a fresh <c>subscribe</c> or <c>chat</c> with the TLS hint instead of being waited out as a lost server.
/// </summary>
public sealed class HandshakeFailureTests
{
    private const string NotEstablished = "An HTTP/2 connection could not be established because the server did not complete the HTTP/2 handshake.";

    [Fact]
    public void IsIn_NewConnectionShutBeforeTheCallTookAStream_True()
    {
        // What a TLS port's close of a plaintext connection looks like when the connection's reader sees it first.
        Assert.True(HandshakeFailure.IsIn(new HttpRequestException(NotEstablished)));
    }

    [Fact]
    public void IsIn_SettingsFrameNeverCame_True()
    {
        var ended = new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely while waiting for the next frame from the server.");
        var failure = new HttpRequestException(HttpRequestError.InvalidResponse, NotEstablished, new HttpIOException(HttpRequestError.InvalidResponse, NotEstablished, ended));

        Assert.True(HandshakeFailure.IsIn(failure));
    }

    [Fact]
    public void IsIn_UntrustedCertificate_True()
    {
        var failure = new HttpRequestException(HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.", new AuthenticationException("The remote certificate is invalid"));

        Assert.True(HandshakeFailure.IsIn(failure));
    }

    [Fact]
    public void IsIn_ConnectionRefused_False()
    {
        var failure = new HttpRequestException(HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused));

        Assert.False(HandshakeFailure.IsIn(failure));
    }

    [Fact]
    public void IsIn_StreamBrokenAfterTheHandshake_False()
    {
        var failure = new IOException("The request was aborted.", new HttpIOException(HttpRequestError.ResponseEnded, "The response ended prematurely."));

        Assert.False(HandshakeFailure.IsIn(failure));
    }

    [Fact]
    public void IsIn_StatusFromTheServer_False()
    {
        // A status the server sent itself carries no exception.
        Assert.False(HandshakeFailure.IsIn(null));
    }
}
