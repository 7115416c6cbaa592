using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Web;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the StreamingGreeter's web routes: server-sent events for browsers and plain HTTP clients.</summary>
public static class StreamingGreeterWebServiceCollectionExtensions
{
    /// <summary>
    /// Adds the web routes' services (options section <c>Web</c>: <see cref="StreamingGreeterWebOptions"/>) and their CORS
    /// policy (<see cref="StreamingGreeterWebOptions.CorsPolicyName"/>). Map them with <c>MapStreamingGreeterWeb()</c>,
    /// after <c>UseCors()</c>; with <c>AddJwtAuthentication()</c> they take the same tokens as the gRPC calls.
    /// </summary>
    public static IStreamingGreeterBuilder AddWeb(this IStreamingGreeterBuilder builder, Action<StreamingGreeterWebOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);

        var services = builder.Services;
        services.AddOptions<StreamingGreeterWebOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StreamingGreeterWebOptions>, WebOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<StreamingGreeterWebOptions>>(static (cors, web) =>
            cors.AddPolicy(StreamingGreeterWebOptions.CorsPolicyName, policy => policy
                .WithOrigins([.. web.Value.AllowedOrigins])
                .WithMethods(HttpMethods.Get, HttpMethods.Post)
                // Authorization and Last-Event-ID for the event stream; gRPC-Web sends headers of its own.
                .AllowAnyHeader()
                .WithExposedHeaders("grpc-status", "grpc-message", "grpc-encoding", "grpc-accept-encoding", "greeter-epoch", "greeter-sequence")));
        services.TryAddSingleton<WebEndpoints>();
        services.TryAddSingleton<WebAuthentication>();
        services.TryAddSingleton<RoomEventsEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<JwtBearerOptions>, AccessTokenFromQuery>());
        return builder;
    }
}
