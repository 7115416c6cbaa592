using System.Net.Sockets;
using Grpc.Core;

namespace StreamingGreeter.Client.Connection;

/// <summary>What a failed call means for the user: the words to say and the exit code, and whether to reconnect.</summary>
internal static class RpcFailure
{
    /// <summary>True when the call never reached a server: nothing listens at the address, or it cannot be resolved.</summary>
    public static bool IsConnectFailure(RpcException error)
    {
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
    /// True for failures a long-lived stream recovers from by resuming: the server went away or is restarting,
    /// the connection broke, or the server dropped a subscriber that fell behind.
    /// </summary>
    public static bool IsTransient(RpcException error) =>
        error.StatusCode is StatusCode.Unavailable or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal;

    /// <summary>The one line to print after <c>error: </c>.</summary>
    public static string Describe(RpcException error, ServerAddresses address) => error.StatusCode switch
    {
        _ when IsConnectFailure(error) => address.Uris.Count == 1
            ? $"no server at {Display(address)} — is it running?"
            : $"no server at any of {Display(address)} — are they running?",
        StatusCode.Unavailable => $"the server at {Display(address)} is unavailable: {Detail(error)}",
        StatusCode.DeadlineExceeded => $"no answer from {Display(address)} within the time allowed (--timeout)",
        StatusCode.InvalidArgument => Detail(error),
        _ => $"the server answered {error.StatusCode}: {Detail(error)}",
    };

    /// <summary>A few words on why a stream broke, for the reconnect notice.</summary>
    public static string Reason(RpcException error, ServerAddresses address) => error.StatusCode switch
    {
        _ when IsConnectFailure(error) => $"no server at {Display(address)}",
        StatusCode.ResourceExhausted => $"the server dropped this stream: {Detail(error)}",
        _ => Detail(error),
    };

    public static ExitCode ExitCodeOf(RpcException error) => error.StatusCode switch
    {
        StatusCode.Unavailable => ExitCode.Unavailable,
        StatusCode.InvalidArgument => ExitCode.InvalidArgument,
        StatusCode.DeadlineExceeded => ExitCode.TimedOut,
        StatusCode.Cancelled => ExitCode.Interrupted,
        _ => ExitCode.Other,
    };

    public static string Display(ServerAddresses address) => address.Display;

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
