using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// Lets the Greeter's JWT scheme read the token from the access_token query parameter on the routes that allow it
/// (<see cref="AccessTokenQueryMetadata"/>: the event stream, since EventSource cannot send headers), as SignalR does.
/// A request that has an Authorization header is judged by it alone.
/// </summary>
internal sealed class AccessTokenFromQuery : IPostConfigureOptions<JwtBearerOptions>
{
    public void PostConfigure(string? name, JwtBearerOptions options)
    {
        if (name != GreeterAuthOptions.AuthenticationScheme)
        {
            return;
        }

        options.Events ??= new JwtBearerEvents();
        var previous = options.Events.OnMessageReceived;
        options.Events.OnMessageReceived = async context =>
        {
            await previous(context);
            var http = context.HttpContext;
            if (context.Token is null
                && http.Request.Headers.Authorization.Count == 0
                && http.GetEndpoint()?.Metadata.GetMetadata<AccessTokenQueryMetadata>() is not null
                && http.Request.Query[WebAuthentication.AccessTokenParameter] is [{ Length: > 0 } token])
            {
                context.Token = token;
            }
        };
    }
}
