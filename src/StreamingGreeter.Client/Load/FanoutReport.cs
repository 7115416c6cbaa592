using Grpc.Core;

namespace StreamingGreeter.Client.Load;

/// <summary>What a fan-out run measured.</summary>
/// <param name="Subscribed">Subscribers whose subscription the server confirmed.</param>
/// <param name="Connections">Channels the subscribers were spread over.</param>
/// <param name="Elapsed">How long publishers published.</param>
/// <param name="DeliverySeconds">From the first publish to the last delivery.</param>
/// <param name="Publishes">
/// Publishes the server answered, or, if more, the publishes one subscriber received: a publish cut off before its
/// answer (by Ctrl+C, after a grace for the answers, or by a broken connection) may have reached the room all the same.
/// </param>
/// <param name="ExpectedDeliveries">Publishes × subscribers confirmed.</param>
/// <param name="MissedEvents">Sequence gaps summed over subscribers: events the server did not deliver to them.</param>
/// <param name="Errors">Failed calls, publishes and subscriptions alike, by status code.</param>
/// <param name="Interrupted">Stopped early by Ctrl+C.</param>
internal sealed record FanoutReport(
    FanoutSettings Settings,
    int Subscribed,
    int Connections,
    TimeSpan Elapsed,
    double DeliverySeconds,
    long Publishes,
    long Deliveries,
    long ExpectedDeliveries,
    long MissedEvents,
    LatencyHistogram Latency,
    IReadOnlyDictionary<StatusCode, long> Errors,
    bool Interrupted)
{
    public double PublishesPerSecond => Elapsed > TimeSpan.Zero ? Publishes / Elapsed.TotalSeconds : 0;

    public double DeliveriesPerSecond => DeliverySeconds > 0 ? Deliveries / DeliverySeconds : 0;
}
