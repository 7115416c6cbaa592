using Microsoft.AspNetCore.Http;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// ASP.NET Core's server-sent events result, with a client that goes away treated as the normal end it is: the
/// formatter's write fails then, and would otherwise reach Kestrel as an unhandled error of the application.
/// </summary>
internal sealed class EventStreamResult(IResult events) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        // Proxies such as nginx buffer responses by default, which would hold events back.
        httpContext.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            await events.ExecuteAsync(httpContext);
        }
        catch (Exception error) when (error is OperationCanceledException or IOException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // Gone, or aborted for not reading: nothing can be sent any more.
        }
    }
}
