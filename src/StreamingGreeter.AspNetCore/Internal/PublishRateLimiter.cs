using System.Threading.RateLimiting;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>A token bucket per caller for Publish and Chat messages (Greeter:PublishesPerSecond).</summary>
internal sealed class PublishRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly int _perSecond;

    private readonly GreeterMetrics _metrics;

    public PublishRateLimiter(IOptions<StreamingGreeterOptions> options, GreeterMetrics metrics)
    {
        _metrics = metrics;
        _perSecond = options.Value.PublishesPerSecond;
        if (_perSecond == 0)
        {
            return;
        }

        // Refilled ten times a second where the rate divides evenly, so a caller at the limit is not held back in
        // whole-second steps; otherwise once a second, which keeps the rate exact.
        var tenths = _perSecond % 10 == 0;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = _perSecond,
            TokensPerPeriod = tenths ? _perSecond / 10 : _perSecond,
            ReplenishmentPeriod = tenths ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => bucket));
    }

    /// <summary>Takes one publish from the bucket of <paramref name="caller"/> (<see cref="CallerIdentity"/>), or fails the call with RESOURCE_EXHAUSTED.</summary>
    public void Acquire(string? caller)
    {
        if (_limiter is null || caller is null)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            _metrics.Rejected(RejectionReasons.PublishRate);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"caller {caller} exceeded the publish rate limit of {_perSecond} messages per second (Greeter:PublishesPerSecond)"));
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
