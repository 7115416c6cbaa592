using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the Greeter's web page.</summary>
public static class StreamingGreeterPageExtensions
{
    /// <summary>
    /// Serves the page at <c>/</c> (with <c>/greeter.js</c> and <c>/greeter.css</c>): join a room and see its events
    /// live (EventSource on <c>GET /rooms/{room}/events</c>), publish (<c>POST /rooms/{room}/events</c>, see
    /// <c>AddHttpApi()</c>), and resume after a reload or a server restart. With <c>AddWeb()</c> the page follows the
    /// web routes' rules (<c>RequireStreamingGreeterWeb()</c>: their CORS policy, and only web endpoints once one is
    /// marked), so it needs <c>UseCors()</c> as they do.
    /// </summary>
    public static RouteGroupBuilder MapStreamingGreeterPage(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var group = endpoints.MapGroup("");
        if (endpoints.ServiceProvider.GetService(typeof(WebEndpoints)) is not null)
        {
            // Served where the event stream it reads is: a page on the HTTP/2-only gRPC port could not load anyway.
            group.RequireStreamingGreeterWeb();
        }

        foreach (var asset in PageAssets.All)
        {
            group.MapMethods(asset.Route, [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Serve(context, asset));
        }

        return group;
    }

    private static IResult Serve(HttpContext context, PageAsset asset)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidated on every load, which the ETag keeps cheap: an upgraded server's page replaces the old one at once.
        headers.CacheControl = "no-cache";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
