using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;

namespace StreamingGreeter.AspNetCore.Connections;

/// <summary>
/// Lets Kestrel admit more HTTP/2 streams per connection than Greeter:MaxStreamsPerConnection, so that limit is met by
/// the service with RESOURCE_EXHAUSTED and a message, not by Kestrel refusing the stream with a bare RST_STREAM; the
/// headroom is for unary calls, which the service's limit does not count. A larger limit the app set is kept.
/// </summary>
internal sealed class KestrelStreamHeadroom(IOptions<StreamingGreeterOptions> greeter) : IPostConfigureOptions<KestrelServerOptions>
{
    /// <summary>HTTP/2 streams a connection may open beyond Greeter:MaxStreamsPerConnection, for unary calls.</summary>
    public const int UnaryStreams = 100;

    public void PostConfigure(string? name, KestrelServerOptions options)
    {
        var wanted = greeter.Value.MaxStreamsPerConnection + UnaryStreams;
        options.Limits.Http2.MaxStreamsPerConnection = Math.Max(options.Limits.Http2.MaxStreamsPerConnection, wanted);
    }
}
