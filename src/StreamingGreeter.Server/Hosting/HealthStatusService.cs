using Grpc.Health.V1;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// Reports SERVING once the server has started and NOT_SERVING as soon as shutdown begins, so load balancers stop
/// sending new calls before the streams are ended; and NOT_SERVING while the hub's backplane is unreachable.
/// </summary>
internal sealed class HealthStatusService(StoppingHealthService health, IHostApplicationLifetime lifetime, IBroadcastHub hub) : IHostedService
{
    /// <summary>The names health is reported under: the whole server, and the Greeter service.</summary>
    public static readonly string[] ServiceNames = ["", "helloworld.Greeter"];

    private readonly IHubAvailability? _availability = hub as IHubAvailability;
    private readonly Lock _gate = new();
    private CancellationTokenRegistration _started;
    private CancellationTokenRegistration _stopping;
    private HealthCheckResponse.Types.ServingStatus? _reported;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Update();
        if (_availability is not null)
        {
            _availability.AvailabilityChanged += OnAvailabilityChanged;
        }

        _started = lifetime.ApplicationStarted.Register(Update);
        _stopping = lifetime.ApplicationStopping.Register(() =>
        {
            Update();
            health.EndWatches();
        });
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_availability is not null)
        {
            _availability.AvailabilityChanged -= OnAvailabilityChanged;
        }

        await _started.DisposeAsync();
        await _stopping.DisposeAsync();
    }

    private void OnAvailabilityChanged(object? sender, EventArgs e) => Update();

    private void Update()
    {
        // Decided and set under one lock, so two changes racing cannot leave the older status in place.
        lock (_gate)
        {
            // The lifetime's tokens are cancelled before their callbacks run, so they say where the host is.
            var status = lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
                && (_availability?.IsAvailable ?? true)
                ? HealthCheckResponse.Types.ServingStatus.Serving
                : HealthCheckResponse.Types.ServingStatus.NotServing;
            if (status == _reported)
            {
                return;
            }

            _reported = status;
            foreach (var name in ServiceNames)
            {
                health.SetStatus(name, status);
            }
        }
    }
}
