using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Turns on token authentication for the StreamingGreeter service.</summary>
public static class StreamingGreeterAuthenticationExtensions
{
    /// <summary>
    /// Requires a JWT bearer token (issuer, audience, lifetime and signature checked against <see cref="GreeterAuthOptions"/>)
    /// for Chat, Subscribe and Publish: the token names the sender and grants the rooms. Registers its own
    /// authentication scheme (<see cref="GreeterAuthOptions.AuthenticationScheme"/>), so the app's schemes are untouched.
    /// </summary>
    public static IStreamingGreeterBuilder AddJwtAuthentication(this IStreamingGreeterBuilder builder, Action<GreeterAuthOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var services = builder.Services;
        services.Configure<GreeterAuthOptions>(static options => options.Mode = AuthMode.Jwt);
        if (configure is not null)
        {
            services.Configure(configure);
        }

        if (services.Any(static service => service.ServiceType == typeof(JwtAuthenticationMarker)))
        {
            // Called before: the scheme is there, and a second one of the same name would fail the app's start.
            return builder;
        }

        services.AddSingleton<JwtAuthenticationMarker>();
        // After AddStreamingGreeter's own interceptor, which therefore also counts and translates its refusals.
        services.AddOptions<GrpcServiceOptions<GreeterService>>().Configure(static grpc => grpc.Interceptors.Add<AuthInterceptor>());
        services.TryAddSingleton<AuthInterceptor>();
        services.AddAuthentication().AddJwtBearer(GreeterAuthOptions.AuthenticationScheme, static _ => { });
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<JwtBearerOptions>, ConfigureJwtBearer>());
        return builder;
    }
}
