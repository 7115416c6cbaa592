using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Web;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.AspNetCore.Builder;

/// <summary>gRPC-Web for the Greeter's browser-callable methods.</summary>
public static class StreamingGreeterGrpcWebExtensions
{
    /// <summary>
    /// Enables gRPC-Web (<c>application/grpc-web</c> and <c>application/grpc-web-text</c>) for SayHello, SayHelloStream,
    /// Subscribe and Publish, over HTTP/1.1 as well as HTTP/2. Call it on what <c>MapStreamingGreeter()</c> returns and
    /// add <c>app.UseGrpcWeb()</c> between routing and the endpoints; a page on another origin needs CORS too.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder EnableGrpcWebForBrowsers(this GrpcServiceEndpointConventionBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Add(static endpoint =>
        {
            // Per method rather than EnableGrpcWeb() on the whole service: Chat and SayHelloToMany cannot work over
            // gRPC-Web, so they stay what they are, calls for HTTP/2 gRPC clients.
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().Any(BrowserMethods.Includes))
            {
                endpoint.Metadata.Add(new EnableGrpcWebAttribute());
            }
        });
        return builder;
    }
}
