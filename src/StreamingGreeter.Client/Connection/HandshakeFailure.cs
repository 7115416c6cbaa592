using System.Security.Authentication;

namespace StreamingGreeter.Client.Connection;

/// <summary>
/// Whether a call's transport failure means that something accepted the connection but no HTTP/2 connection could be
/// agreed with it: TLS failed (an untrusted certificate, or a server that does not speak TLS), or an http:// address
/// met a server that does not speak HTTP/2 in the clear, as a TLS port does.
/// </summary>
/// <remarks>
/// A TLS port closes a plaintext connection as soon as it reads the HTTP/2 preface, and SocketsHttpHandler reports
/// that in one of two ways, depending on which of its tasks sees the close first: the settings frame never came
/// (<see cref="HttpRequestError.InvalidResponse"/>), or the new connection was already shut down when the call tried to
/// take a stream on it — a bare <see cref="HttpRequestException"/> with no inner exception and no error code. Both
/// mean the same: taken for a server that went away, the second would be waited for without end.
/// </remarks>
internal static class HandshakeFailure
{
    /// <summary>True when <paramref name="failure"/> (a status's debug exception) or an exception inside it says so.</summary>
    public static bool IsIn(Exception? failure)
    {
        if (failure is HttpRequestException { HttpRequestError: HttpRequestError.Unknown, InnerException: null })
        {
            return true;
        }

        for (var inner = failure; inner is not null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException
                or HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError or HttpRequestError.InvalidResponse })
            {
                return true;
            }
        }

        return false;
    }
}
