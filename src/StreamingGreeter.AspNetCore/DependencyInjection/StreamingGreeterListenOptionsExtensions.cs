using Microsoft.AspNetCore.Server.Kestrel.Core;
using StreamingGreeter.AspNetCore.Connections;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Puts StreamingGreeter's connection limits in front of a Kestrel endpoint.</summary>
public static class StreamingGreeterListenOptionsExtensions
{
    /// <summary>
    /// Holds the endpoint's connections to <c>Greeter:MaxConnections</c> in total and <c>Greeter:MaxConnectionsPerAddress</c>
    /// per remote address, and, on an HTTP/2-only endpoint, closes those that send no HTTP/2 preface within
    /// <c>Greeter:ConnectionPrefaceTimeout</c>.
    /// Call it before <c>UseHttps</c>, so TLS handshakes are counted and timed too. Requires <c>AddStreamingGreeter()</c>.
    /// </summary>
    public static ListenOptions UseStreamingGreeterConnectionLimits(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var guard = listenOptions.ApplicationServices.GetService<ConnectionGuard>()
            ?? throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'services.AddStreamingGreeter()' when configuring the application's services.");
        // Decided when Kestrel builds the endpoint, once its protocols are final: only an HTTP/2-only endpoint owes a preface.
        listenOptions.Use(next => guard.Wrap(next, watchPreface: listenOptions.Protocols == HttpProtocols.Http2));
        return listenOptions;
    }
}
