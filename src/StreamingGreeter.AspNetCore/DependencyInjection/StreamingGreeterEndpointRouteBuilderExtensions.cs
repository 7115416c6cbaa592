using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the StreamingGreeter gRPC service.</summary>
public static class StreamingGreeterEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the <c>helloworld.Greeter</c> service. Requires <c>AddStreamingGreeter()</c>. With <c>AddWeb()</c>, its
    /// endpoints carry the web CORS policy too, so pages of <c>Web:AllowedOrigins</c> reach the JSON API and gRPC-Web.
    /// </summary>
    public static GrpcServiceEndpointConventionBuilder MapStreamingGreeter(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService(typeof(StreamingGreeterMarker)) is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'services.AddStreamingGreeter()' when configuring the application's services.");
        }

        var greeter = endpoints.MapGrpcService<GreeterService>();
        if (endpoints.ServiceProvider.GetService(typeof(WebEndpoints)) is not null)
        {
            // Not RequireStreamingGreeterWeb: classic gRPC shares these endpoints and is served on every endpoint. A
            // gRPC client sends no Origin, so the policy never applies to it.
            greeter.RequireCors(StreamingGreeterWebOptions.CorsPolicyName);
        }

        // gRPC calls are held to Greeter:MaxReceiveMessageSize per message; the JSON routes read a body, which Kestrel
        // would otherwise take up to 30 MB of before the service could refuse it. Base64 data is 4/3 of its bytes.
        var receive = endpoints.ServiceProvider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value.MaxReceiveMessageSize;
        var bodyLimit = new JsonBodyLimit((long)receive * 4 / 3 + 4096);
        greeter.Add(endpoint =>
        {
            if (endpoint.Metadata.Any(static m => m is GrpcJsonTranscodingMetadata))
            {
                endpoint.Metadata.Add(bodyLimit);
            }
        });

        return greeter;
    }
}
