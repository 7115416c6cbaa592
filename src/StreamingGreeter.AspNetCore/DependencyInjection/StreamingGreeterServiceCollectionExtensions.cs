using System.Diagnostics.Metrics;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Connections;
using StreamingGreeter.AspNetCore.Internal;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the StreamingGreeter gRPC service and its broadcast hub.</summary>
public static class StreamingGreeterServiceCollectionExtensions
{
    /// <summary>The configuration section of <see cref="StreamingGreeterOptions"/>, as its validation failures name it.</summary>
    internal const string GreeterSection = "Greeter";

    /// <summary>The configuration section of <see cref="BroadcastHubOptions"/>, as its validation failures name it.</summary>
    internal const string HubSection = "Hub";

    /// <summary>The configuration section of <see cref="GreeterAuthOptions"/>.</summary>
    internal const string AuthSection = "Auth";

    /// <summary>
    /// Adds gRPC, the Greeter service and the in-memory <see cref="IBroadcastHub"/> (unless another hub was
    /// registered first). Map the service with <c>MapStreamingGreeter()</c>. Calling it again registers nothing
    /// more; its <paramref name="configure"/> still applies.
    /// </summary>
    public static IStreamingGreeterBuilder AddStreamingGreeter(this IServiceCollection services, Action<StreamingGreeterOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        if (services.Any(static service => service.ServiceType == typeof(StreamingGreeterMarker)))
        {
            // Called before: a second interceptor would count every stream twice, halving the per-connection limit,
            // and a second set of validators would report every failure twice.
            if (configure is not null)
            {
                services.Configure(configure);
            }

            return new StreamingGreeterBuilder(services);
        }

        services.AddSingleton<StreamingGreeterMarker>();
        services.AddGrpc();
        // Failures name the key as configured (Greeter:MaxStreamsPerConnection) and its value.
        services.AddOptions<StreamingGreeterOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<StreamingGreeterOptions>>(new SectionOptionsValidator<StreamingGreeterOptions>(GreeterSection));
        services.AddOptions<BroadcastHubOptions>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<BroadcastHubOptions>>(new SectionOptionsValidator<BroadcastHubOptions>(HubSection));
        services.AddOptions<GreeterAuthOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GreeterAuthOptions>, GreeterAuthOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        // Per-service options, so an embedding app's other gRPC services keep their own limits.
        services.AddOptions<GrpcServiceOptions<GreeterService>>()
            .Configure<IOptions<StreamingGreeterOptions>>((grpc, greeter) =>
            {
                grpc.MaxReceiveMessageSize = greeter.Value.MaxReceiveMessageSize;
                // One interceptor for the stream limit and the status translation: each interceptor costs every call.
                // It is outermost, so it counts and translates what authentication refuses too (AddJwtAuthentication
                // adds that interceptor after this one; without authentication calls pay for no second stage).
                grpc.Interceptors.Add<GreeterCallInterceptor>();
            });
        // One instance for every call (it holds only singletons): grpc-dotnet would otherwise build one per call, and a
        // stream would hold it for its whole life.
        services.TryAddSingleton<GreeterService>();
        services.TryAddSingleton<GreeterCallInterceptor>();
        services.TryAddSingleton<ConnectionStreamCounter>();
        services.TryAddSingleton<CallerRateLimits>();
        services.TryAddSingleton<SlowSubscriberWarning>();
        services.TryAddSingleton<GreeterMetrics>();
        services.TryAddSingleton<ConnectionCounter>();
        services.TryAddSingleton<ConnectionGuard>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<KestrelServerOptions>, KestrelStreamHeadroom>());
        services.TryAddSingleton(static sp => new HubMetrics(sp.GetService<IMeterFactory>()));

        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(static service => service.ServiceType == typeof(IBroadcastHub)))
        {
            // Only as the hub: an in-memory hub resolvable beside a backplane would run its sweep timer for nothing.
            services.AddSingleton(static sp => new InMemoryBroadcastHub(
                sp.GetRequiredService<IOptions<BroadcastHubOptions>>().Value,
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<HubMetrics>()));
            services.AddSingleton<IBroadcastHub>(static sp => sp.GetRequiredService<InMemoryBroadcastHub>());
        }

        return new StreamingGreeterBuilder(services);
    }

    /// <summary>
    /// Binds the options from <paramref name="configuration"/> as the standalone server reads them: the sections
    /// <c>Greeter</c>, <c>Hub</c> and <c>Auth</c>, and token authentication (<c>AddJwtAuthentication</c>) when
    /// <c>Auth:Mode</c> is <c>Jwt</c>.
    /// </summary>
    public static IStreamingGreeterBuilder BindConfiguration(this IStreamingGreeterBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var services = builder.Services;
        services.Configure<StreamingGreeterOptions>(configuration.GetSection(GreeterSection));
        services.Configure<BroadcastHubOptions>(configuration.GetSection(HubSection));
        services.Configure<GreeterAuthOptions>(configuration.GetSection(AuthSection));
        if (string.Equals(configuration[$"{AuthSection}:{nameof(GreeterAuthOptions.Mode)}"], nameof(AuthMode.Jwt), StringComparison.OrdinalIgnoreCase))
        {
            builder.AddJwtAuthentication();
        }

        return builder;
    }

    /// <summary>Configures the broadcast hub's limits and policies.</summary>
    public static IStreamingGreeterBuilder ConfigureHub(this IStreamingGreeterBuilder builder, Action<BroadcastHubOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.Configure(configure);
        return builder;
    }
}
