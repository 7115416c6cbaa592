using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// With Auth:Mode Jwt, authenticates a web request as <see cref="AuthInterceptor"/> does a call: the same scheme, the
/// same token rules, the same <see cref="CallAccess"/> (grants, identity, expiry) left on the request. The token comes
/// in the Authorization header or, for EventSource, which cannot set one, the access_token query parameter
/// (<see cref="AccessTokenFromQuery"/>).
/// </summary>
internal sealed class WebAuthentication(IOptions<GreeterAuthOptions> options, TimeProvider time)
{
    public const string AccessTokenParameter = "access_token";

    public bool Required => options.Value.Mode == AuthMode.Jwt;

    /// <summary>
    /// The request's access, its expiry watched for a stream, or UNAUTHENTICATED with the reason. The caller disposes
    /// it when the request ends.
    /// </summary>
    public async Task<CallAccess> AuthenticateAsync(HttpContext http)
    {
        var result = await http.AuthenticateAsync(GreeterAuthOptions.AuthenticationScheme);
        if (!result.Succeeded)
        {
            throw CallAccess.Unauthenticated(Describe(result.Failure, http));
        }

        var access = CallAccess.From(AuthInterceptor.ValidatedToken(result.Principal));
        http.User = result.Principal;
        http.Features.Set(access);
        access.WatchExpiry(options.Value.ClockSkew, time);
        return access;
    }

    private string Describe(Exception? failure, HttpContext http) =>
        failure is null && http.Request.Headers.Authorization.Count == 0
            ? $"no token: this route needs a bearer token, in the header \"Authorization: Bearer <token>\" or, for EventSource, the query parameter {AccessTokenParameter}"
            : TokenFailures.Describe(failure, http, options.Value);
}
