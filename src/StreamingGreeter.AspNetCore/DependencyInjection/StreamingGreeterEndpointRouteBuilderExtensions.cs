using Microsoft.AspNetCore.Routing;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Services;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the StreamingGreeter gRPC service.</summary>
public static class StreamingGreeterEndpointRouteBuilderExtensions
{
    /// <summary>Maps the <c>helloworld.Greeter</c> service. Requires <c>AddStreamingGreeter()</c>.</summary>
    public static GrpcServiceEndpointConventionBuilder MapStreamingGreeter(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetService(typeof(StreamingGreeterMarker)) is null)
        {
            throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'services.AddStreamingGreeter()' when configuring the application's services.");
        }

        return endpoints.MapGrpcService<GreeterService>();
    }
}
