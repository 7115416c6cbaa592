using Microsoft.AspNetCore.Server.Kestrel.Core;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Makes a Kestrel endpoint the StreamingGreeter's web endpoint.</summary>
public static class StreamingGreeterWebListenOptionsExtensions
{
    /// <summary>
    /// Serves HTTP/1.1 and HTTP/2 on this endpoint (HTTP/2 through ALPN on TLS), for browsers, and makes it a web
    /// endpoint: once one is, the web routes (<c>MapStreamingGreeterWeb()</c>, <c>RequireStreamingGreeterWeb()</c>) are
    /// served only on web endpoints. Requires <c>AddWeb()</c>.
    /// </summary>
    public static ListenOptions UseStreamingGreeterWeb(this ListenOptions listenOptions)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        var web = listenOptions.ApplicationServices.GetService<WebEndpoints>()
            ?? throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'services.AddStreamingGreeter().AddWeb()' when configuring the application's services.");
        listenOptions.Protocols = HttpProtocols.Http1AndHttp2;
        web.Restrict();
        listenOptions.Use(web.Wrap);
        return listenOptions;
    }
}
