using Microsoft.Extensions.Options;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>
/// The per-caller rates of the service: messages published (Publish and Chat, Greeter:PublishesPerSecond) and presence
/// reads (Presence and PresenceStats, Greeter:PresenceReadsPerSecond). Separate buckets, so that a caller polling who is
/// in a room does not spend its publishes, and a caller flooding presence reads does not make big rooms' member lists
/// be copied and sorted without bound.
/// </summary>
internal sealed class CallerRateLimits : IDisposable
{
    public CallerRateLimits(IOptions<StreamingGreeterOptions> options, GreeterMetrics metrics)
    {
        var value = options.Value;
        Publishes = new CallerRateLimiter(value.PublishesPerSecond, ("publish", "messages"), "Greeter:PublishesPerSecond", RejectionReasons.PublishRate, metrics);
        PresenceReads = new CallerRateLimiter(value.PresenceReadsPerSecond, ("presence", "reads"), "Greeter:PresenceReadsPerSecond", RejectionReasons.PresenceRate, metrics);
    }

    public CallerRateLimiter Publishes { get; }

    public CallerRateLimiter PresenceReads { get; }

    public void Dispose()
    {
        Publishes.Dispose();
        PresenceReads.Dispose();
    }
}
