namespace StreamingGreeter.Client.Load;

/// <summary>What <c>greeter load fanout</c> was asked to do.</summary>
/// <param name="Rate">Publishes per second over all publishers; null: as fast as they can.</param>
/// <param name="Size">Characters of each published text (at least the send time's digits).</param>
/// <param name="ReadDelay">How long each subscriber waits after each event, to play a slow consumer.</param>
internal sealed record FanoutSettings(
    string Room,
    int Subscribers,
    int Publishers,
    TimeSpan Duration,
    double? Rate,
    int Size,
    TimeSpan ReadDelay);
