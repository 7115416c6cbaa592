using Microsoft.AspNetCore.Routing;
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

        return greeter;
    }
}
