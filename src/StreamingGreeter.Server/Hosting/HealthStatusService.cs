using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// Reports SERVING once the server has started and NOT_SERVING as soon as shutdown begins, so load balancers stop
/// sending new calls before the streams are ended.
/// </summary>
internal sealed class HealthStatusService(HealthServiceImpl health, IHostApplicationLifetime lifetime) : IHostedService
{
    /// <summary>The names health is reported under: the whole server, and the Greeter service.</summary>
    public static readonly string[] ServiceNames = ["", "helloworld.Greeter"];

    private CancellationTokenRegistration _started;
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Set(HealthCheckResponse.Types.ServingStatus.NotServing);
        _started = lifetime.ApplicationStarted.Register(() => Set(HealthCheckResponse.Types.ServingStatus.Serving));
        _stopping = lifetime.ApplicationStopping.Register(() => Set(HealthCheckResponse.Types.ServingStatus.NotServing));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _started.DisposeAsync();
        await _stopping.DisposeAsync();
    }

    private void Set(HealthCheckResponse.Types.ServingStatus status)
    {
        foreach (var name in ServiceNames)
        {
            health.SetStatus(name, status);
        }
    }
}
