namespace StreamingGreeter.Client.Connection;

/// <summary>
/// Exponential backoff with jitter: the n-th wait is <c>initial × 2ⁿ</c>, capped at <c>max</c>, scaled by a random
/// factor between ½ and 1 so that many clients cut off together do not come back together.
/// </summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max, Random random)
{
    public static Backoff Default() => new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(8), Random.Shared);

    public TimeSpan Delay(int failures)
    {
        var exponent = Math.Min(failures, 30);
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (random.NextDouble() * 0.5)));
    }
}
