using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Redis;
using StreamingGreeter.Hub.Redis.Internal;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Redis backplane as the application's <see cref="IBroadcastHub"/>.</summary>
public static class RedisBroadcastHubServiceCollectionExtensions
{
    /// <summary>
    /// Makes <see cref="RedisBroadcastHub"/> the <see cref="IBroadcastHub"/>, replacing the in-memory default whether it
    /// was registered before or is registered after. Hub limits come from <see cref="BroadcastHubOptions"/>.
    /// </summary>
    public static IServiceCollection AddRedisBroadcastHub(this IServiceCollection services, Action<RedisBroadcastHubOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<RedisBroadcastHubOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisBroadcastHubOptions>, RedisBroadcastHubOptionsValidator>());
        if (configure is not null)
        {
            services.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new HubMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(static sp => new RedisBroadcastHub(
            sp.GetRequiredService<IOptions<BroadcastHubOptions>>().Value,
            sp.GetRequiredService<IOptions<RedisBroadcastHubOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<HubMetrics>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<RedisBroadcastHub>()));
        services.RemoveAll<IBroadcastHub>();
        // The in-memory default is the hub only while nothing replaces it; left resolvable, something could create it.
        services.RemoveAll<InMemoryBroadcastHub>();
        services.AddSingleton<IBroadcastHub>(static sp => sp.GetRequiredService<RedisBroadcastHub>());
        return services;
    }
}
