using System.Threading.RateLimiting;
using Grpc.Core;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>A token bucket per caller for one kind of call, refusing with RESOURCE_EXHAUSTED beyond its rate.</summary>
internal sealed class CallerRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<string>? _limiter;
    private readonly GreeterMetrics _metrics;
    private readonly string _refusal;
    private readonly string _reason;

    /// <param name="perSecond">Calls per second and per caller, in bursts of as many; 0 turns the limit off.</param>
    /// <param name="limit">The limit's name and unit, for the refusal: "publish" and "messages".</param>
    /// <param name="setting">The setting that sets <paramref name="perSecond"/>, named in the refusal.</param>
    /// <param name="reason">The rejection metric's reason.</param>
    /// <param name="metrics">Where refusals are counted.</param>
    public CallerRateLimiter(int perSecond, (string Name, string Unit) limit, string setting, string reason, GreeterMetrics metrics)
    {
        _metrics = metrics;
        _refusal = $"the {limit.Name} rate limit of {perSecond} {limit.Unit} per second ({setting})";
        _reason = reason;
        if (perSecond == 0)
        {
            return;
        }

        // Refilled ten times a second where the rate divides evenly, so a caller at the limit is not held back in
        // whole-second steps; otherwise once a second, which keeps the rate exact.
        var tenths = perSecond % 10 == 0;
        var bucket = new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = tenths ? perSecond / 10 : perSecond,
            ReplenishmentPeriod = tenths ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = PartitionedRateLimiter.Create<string, string>(caller => RateLimitPartition.GetTokenBucketLimiter(caller, _ => bucket));
    }

    /// <summary>Takes one call from the bucket of <paramref name="caller"/> (<see cref="CallerIdentity"/>), or fails the call with RESOURCE_EXHAUSTED.</summary>
    public void Acquire(string? caller)
    {
        if (_limiter is null || caller is null)
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire(caller);
        if (!lease.IsAcquired)
        {
            _metrics.Rejected(_reason);
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"caller {caller} exceeded {_refusal}"));
        }
    }

    public void Dispose() => _limiter?.Dispose();
}
