using Grpc.Core;
using Microsoft.AspNetCore.Http;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>Who a call counts against for per-caller limits: its authenticated identity, else its IP address.</summary>
internal static class CallerIdentity
{
    /// <summary>Taken once per call, since it allocates.</summary>
    public static string Of(ServerCallContext context) => Of(context.GetHttpContext());

    /// <summary>The same for a plain HTTP request (the web routes), which counts against the same limits as a call.</summary>
    public static string Of(HttpContext http) =>
        // The identity events carry (the token's name, else its sub), so a token without a name is counted as its owner too.
        CallAccess.Of(http) is { } access ? "user " + access.Identity
            : http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
