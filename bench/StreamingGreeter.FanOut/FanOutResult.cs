using System.Globalization;

namespace StreamingGreeter.FanOut;

/// <summary>One run's figures, and what went wrong in it (nothing, for a valid run).</summary>
internal sealed record FanOutResult
{
    public const string TableHeader = """
        | server | subscribers | connections | events | rate | deliveries/s | server CPU µs/delivery | client CPU µs/delivery | client B/delivery | p50 µs | p99 µs | max µs | server RSS MiB | RSS KiB/subscriber |
        |---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """;

    public required ServerKind Server { get; init; }

    public required FanOutOptions Options { get; init; }

    /// <summary>Deliveries in the measured window: subscribers × measured events.</summary>
    public long Deliveries { get; init; }

    public TimeSpan Elapsed { get; init; }

    public TimeSpan ServerCpu { get; init; }

    public TimeSpan ClientCpu { get; init; }

    /// <summary>Bytes this process allocated in the window: the publisher's per event, and nothing per delivery.</summary>
    public long ClientAllocated { get; init; }

    public long P50Microseconds { get; init; }

    public long P99Microseconds { get; init; }

    public long MaxMicroseconds { get; init; }

    public long ResidentBefore { get; init; }

    public long ResidentSubscribed { get; init; }

    public IReadOnlyList<string> Failures { get; init; } = [];

    public double DeliveriesPerSecond => Elapsed > TimeSpan.Zero ? Deliveries / Elapsed.TotalSeconds : 0;

    public string TableRow()
    {
        var o = Options;
        var perSecond = DeliveriesPerSecond;
        var rate = o.Idle ? "idle" : o.Rate > 0 ? $"{o.Rate}/s" : $"saturate (W={o.Window})";
        return string.Create(CultureInfo.InvariantCulture, $"| {Server.ToString().ToLowerInvariant()} | {o.Subscribers} | {o.Connections} | {o.Events} | {rate} | " +
            $"{perSecond:N0} | {PerDelivery(ServerCpu):0.00} | {PerDelivery(ClientCpu):0.00} | {(Deliveries > 0 ? (double)ClientAllocated / Deliveries : 0):0.0} | {P50Microseconds} | {P99Microseconds} | {MaxMicroseconds} | " +
            $"{ResidentSubscribed / 1048576.0:0.0} | {(ResidentSubscribed - ResidentBefore) / 1024.0 / o.Subscribers:0.00} |");
    }

    private double PerDelivery(TimeSpan cpu) => Deliveries > 0 ? cpu.TotalMicroseconds / Deliveries : 0;
}
