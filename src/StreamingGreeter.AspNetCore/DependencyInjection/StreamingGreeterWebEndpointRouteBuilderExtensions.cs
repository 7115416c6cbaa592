using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the StreamingGreeter's web routes.</summary>
public static class StreamingGreeterWebEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps <c>GET /rooms/{room}/events</c>, a room's events as server-sent events, with the web CORS policy and, once an
    /// endpoint is marked with <c>UseStreamingGreeterWeb()</c>, only on such endpoints. Requires <c>AddWeb()</c> and
    /// <c>UseCors()</c>.
    /// </summary>
    public static RouteGroupBuilder MapStreamingGreeterWeb(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var handler = endpoints.ServiceProvider.GetService<RoomEventsEndpoint>()
            ?? throw new InvalidOperationException(
                "Unable to find the required services. Add them by calling 'services.AddStreamingGreeter().AddWeb()' when configuring the application's services.");

        var group = endpoints.MapGroup("");
        group.RequireStreamingGreeterWeb();
        group.MapGet(RoomEventsEndpoint.Pattern, (HttpContext http, string room) => handler.HandleAsync(http, room))
            .WithMetadata(AccessTokenQueryMetadata.Instance)
            .WithName("StreamingGreeterRoomEvents");
        return group;
    }

    /// <summary>
    /// Puts the web routes' rules on other endpoints (gRPC-Web, JSON): the web CORS policy, and serving only on web
    /// endpoints once one is marked with <c>UseStreamingGreeterWeb()</c>. Requires <c>AddWeb()</c>.
    /// </summary>
    public static TBuilder RequireStreamingGreeterWeb<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.RequireCors(StreamingGreeterWebOptions.CorsPolicyName);
        builder.Add(static endpoint =>
        {
            var next = endpoint.RequestDelegate
                ?? throw new InvalidOperationException($"Endpoint {endpoint.DisplayName} has no request delegate to serve on web endpoints only.");
            var web = endpoint.ApplicationServices.GetRequiredService<WebEndpoints>();
            endpoint.RequestDelegate = http =>
            {
                if (web.Serves(http))
                {
                    return next(http);
                }

                // Not this endpoint's route: as if it did not exist here.
                http.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            };
        });
        return builder;
    }
}
