using System.Net.Sockets;
using Grpc.Core;

namespace StreamingGreeter.Client.Connection;

/// <summary>What a failed call means for the user: the words to say and the exit code, and whether to reconnect.</summary>
internal static class RpcFailure
{
    /// <summary>
    /// True when the call never reached a server: nothing listens at the address, it cannot be resolved, or no
    /// connection could be agreed with it (see <see cref="IsTlsFailure"/>).
    /// </summary>
    public static bool IsConnectFailure(RpcException error)
    {
        if (IsTlsFailure(error))
        {
            return true;
        }

        if (error.StatusCode != StatusCode.Unavailable)
        {
            return false;
        }

        for (var inner = error.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException or HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when TLS could not be agreed (the server's certificate is not trusted, or the server does not speak TLS),
    /// or when an http:// address met a server that did not speak HTTP/2 in the clear, as a TLS port does.
    /// </summary>
    public static bool IsTlsFailure(RpcException error) =>
        error.StatusCode is (StatusCode.Unavailable or StatusCode.Internal) && HandshakeFailure.IsIn(error.Status.DebugException);

    /// <summary>
    /// True when the status is the server's own answer (from its trailers or an HTTP response), not a transport failure
    /// the client made into a status: only an answer proves a server is there.
    /// </summary>
    public static bool IsServerAnswer(RpcException error) => error.Status.DebugException is null;

    /// <summary>
    /// True for failures a long-lived stream recovers from by resuming: the server went away or is restarting,
    /// the connection broke, or the server dropped a subscriber that fell behind.
    /// </summary>
    public static bool IsTransient(RpcException error) =>
        error.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal;

    /// <summary>The one line to print after <c>error: </c>.</summary>
    public static string Describe(RpcException error, ServerAddresses address) => error.StatusCode switch
    {
        _ when IsTlsFailure(error) && address.UseTls =>
            $"no TLS connection to {Display(address)}: {Innermost(error)} (for a server with a private CA, pass --ca-cert FILE; for one without TLS, use http://)",
        _ when IsTlsFailure(error) =>
            $"the server at {Display(address)} does not speak HTTP/2 without TLS: if it is a TLS server, use {string.Join(", ", address.Uris.Select(uri => "https://" + uri.Authority))}",
        _ when IsConnectFailure(error) => address.Uris.Count == 1
            ? $"no server at {Display(address)} — is it running?"
            : $"no server at any of {Display(address)} — are they running?",
        StatusCode.Unavailable => $"the server at {Display(address)} is unavailable: {Detail(error)}",
        StatusCode.DeadlineExceeded => $"no answer from {Display(address)} within the time allowed (--timeout)",
        StatusCode.InvalidArgument => Detail(error),
        StatusCode.Unauthenticated => $"not authenticated: {Detail(error)} (a token goes in --token or ${Commands.CommonOptions.TokenVariable})",
        StatusCode.PermissionDenied => $"permission denied: {Detail(error)}",
        _ => $"the server answered {error.StatusCode}: {Detail(error)}",
    };

    /// <summary>A few words on why a stream broke, for the reconnect notice.</summary>
    public static string Reason(RpcException error, ServerAddresses address) => error.StatusCode switch
    {
        // Checked first: a connect failure includes these, and "no server" would hide a certificate problem.
        _ when IsTlsFailure(error) => $"no connection agreed with {Display(address)}: {Innermost(error)}",
        _ when IsConnectFailure(error) => $"no server at {Display(address)}",
        StatusCode.ResourceExhausted => $"the server dropped this stream: {Detail(error)}",
        _ => Detail(error),
    };

    public static ExitCode ExitCodeOf(RpcException error) => error.StatusCode switch
    {
        _ when IsTlsFailure(error) => ExitCode.Tls,
        StatusCode.Unauthenticated => ExitCode.Unauthenticated,
        StatusCode.PermissionDenied => ExitCode.PermissionDenied,
        StatusCode.Unavailable => ExitCode.Unavailable,
        StatusCode.InvalidArgument => ExitCode.InvalidArgument,
        StatusCode.DeadlineExceeded => ExitCode.TimedOut,
        StatusCode.Cancelled => ExitCode.Interrupted,
        _ => ExitCode.Other,
    };

    public static string Display(ServerAddresses address) => address.Display;

    /// <summary>The deepest exception's message: for TLS, the one that names the certificate problem.</summary>
    private static string Innermost(RpcException error)
    {
        var inner = error.Status.DebugException;
        while (inner?.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner?.Message.TrimEnd('.') ?? Detail(error);
    }

    private static string Detail(RpcException error)
    {
        var detail = error.Status.Detail;
        if (string.IsNullOrWhiteSpace(detail))
        {
            return error.StatusCode.ToString();
        }

        // Transport failures carry a multi-line detail; the first line names the problem.
        var end = detail.IndexOfAny(['\r', '\n']);
        return end < 0 ? detail : detail[..end];
    }
}
