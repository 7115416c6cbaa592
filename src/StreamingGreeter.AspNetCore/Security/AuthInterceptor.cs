using System.Collections.Frozen;
using System.Security.Claims;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// With Auth:Mode Jwt, authenticates the calls that need it (Chat, Subscribe and Publish; the greetings too with
/// Auth:RequireForGreetings), refusing the rest with UNAUTHENTICATED and the reason, and ends a stream with
/// UNAUTHENTICATED when its token expires. Only AddJwtAuthentication adds it; should configuration still say Auth:Mode
/// None, it passes every call through untouched.
/// </summary>
/// <remarks>
/// The check is made here rather than by endpoint authorization, whose challenge is a bare HTTP 401 that a gRPC client
/// sees without the reason. Rooms and senders are checked by the service with <see cref="CallAccess"/>, which this
/// interceptor leaves on the call.
/// </remarks>
internal sealed class AuthInterceptor : Interceptor
{
    private readonly GreeterAuthOptions _options;
    private readonly TimeProvider _time;
    private readonly FrozenSet<string>? _protected;

    public AuthInterceptor(IOptions<GreeterAuthOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        if (_options.Mode == AuthMode.Jwt)
        {
            string[] greetings = ["SayHello", "SayHelloStream", "SayHelloToMany"];
            _protected = Greeter.Descriptor.Methods
                .Where(method => _options.RequireForGreetings || !greetings.Contains(method.Name))
                .Select(static method => $"/{Greeter.Descriptor.FullName}/{method.Name}")
                .ToFrozenSet(StringComparer.Ordinal);
        }
    }

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation) =>
        NeedsToken(context) ? AuthenticatedUnary(request, context, continuation) : continuation(request, context);

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        NeedsToken(context) ? AuthenticatedClientStreaming(requestStream, context, continuation) : continuation(requestStream, context);

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        NeedsToken(context) ? AuthenticatedServerStreaming(request, responseStream, context, continuation) : continuation(request, responseStream, context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        NeedsToken(context) ? AuthenticatedDuplex(requestStream, responseStream, context, continuation) : continuation(requestStream, responseStream, context);

    private bool NeedsToken(ServerCallContext context) => _protected?.Contains(context.Method) == true;

    private async Task<TResponse> AuthenticatedUnary<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        using var access = await AuthenticateAsync(context, stream: false);
        return await continuation(request, context);
    }

    private async Task<TResponse> AuthenticatedClientStreaming<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        using var access = await AuthenticateAsync(context, stream: true);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception) when (EndedByExpiry(access, context))
        {
            throw access.ExpiredError();
        }
    }

    private async Task AuthenticatedServerStreaming<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        using var access = await AuthenticateAsync(context, stream: true);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception) when (EndedByExpiry(access, context))
        {
            throw access.ExpiredError();
        }
    }

    private async Task AuthenticatedDuplex<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
        where TRequest : class
        where TResponse : class
    {
        using var access = await AuthenticateAsync(context, stream: true);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception) when (EndedByExpiry(access, context))
        {
            throw access.ExpiredError();
        }
    }

    /// <summary>The call failed because its token expired, not because the client went away.</summary>
    private static bool EndedByExpiry(CallAccess access, ServerCallContext context) =>
        access.HasExpired && !context.CancellationToken.IsCancellationRequested;

    private async Task<CallAccess> AuthenticateAsync(ServerCallContext context, bool stream)
    {
        var http = context.GetHttpContext();
        var result = await http.AuthenticateAsync(GreeterAuthOptions.AuthenticationScheme);
        if (!result.Succeeded)
        {
            throw CallAccess.Unauthenticated(TokenFailures.Describe(result.Failure, http, _options));
        }

        var access = CallAccess.From(ValidatedToken(result.Principal));
        http.User = result.Principal;
        http.Features.Set(access);
        if (stream)
        {
            access.WatchExpiry(_options.ClockSkew, _time);
        }

        return access;
    }

    /// <summary>
    /// The token the principal was made from, which JsonWebTokenHandler (ConfigureJwtBearer keeps JwtBearer on it)
    /// leaves on the identity. The call's grants are read from its payload: it still tells a string from an array of
    /// one string, which the claims do not.
    /// </summary>
    internal static JsonWebToken ValidatedToken(ClaimsPrincipal principal)
    {
        foreach (var identity in principal.Identities)
        {
            if (identity is CaseSensitiveClaimsIdentity { SecurityToken: JsonWebToken token })
            {
                return token;
            }
        }

        throw new InvalidOperationException(
            $"The {GreeterAuthOptions.AuthenticationScheme} scheme authenticated a call without a JsonWebToken: JwtBearerOptions.UseSecurityTokenValidators must stay false for it.");
    }
}
