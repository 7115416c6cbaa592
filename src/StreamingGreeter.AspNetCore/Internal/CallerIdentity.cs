using Grpc.Core;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>Who a call counts against for per-caller limits: its authenticated identity, else its IP address.</summary>
internal static class CallerIdentity
{
    /// <summary>Taken once per call, since it allocates.</summary>
    public static string Of(ServerCallContext context) =>
        // The identity events carry (the token's name, else its sub), so a token without a name is counted as its owner too.
        CallAccess.Of(context) is { } access ? "user " + access.Identity
            : context.GetHttpContext().Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
