using Microsoft.Extensions.Logging;

namespace StreamingGreeter.Hub.Redis.Tests.Infrastructure;

/// <summary>Creates a Redis hub and waits until it is connected: the hub starts before Redis answers, by design.</summary>
internal static class ConnectedHub
{
    public static RedisBroadcastHub Create(BroadcastHubOptions options, string configuration, ILogger? logger = null, TimeProvider? time = null, TimeSpan? livenessInterval = null)
    {
        var redisOptions = new RedisBroadcastHubOptions { Configuration = configuration };
        if (livenessInterval is { } interval)
        {
            redisOptions.LivenessInterval = interval;
        }

        var hub = new RedisBroadcastHub(options, redisOptions, time, logger: logger);
        var available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.AvailabilityChanged += (_, _) =>
        {
            if (hub.IsAvailable)
            {
                available.TrySetResult();
            }
        };

        // Checked after subscribing, so a connection made in between is not missed.
        if (!hub.IsAvailable && !available.Task.Wait(TimeoutExtensions.Timeout))
        {
            hub.Dispose();
            throw new TimeoutException($"the hub did not connect to the test's redis-server ({configuration}) within {TimeoutExtensions.Timeout}");
        }

        return hub;
    }
}
