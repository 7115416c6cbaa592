using System.Diagnostics.Metrics;

namespace StreamingGreeter.Hub;

/// <summary>
/// The hub's instruments on the <c>StreamingGreeter</c> meter, as <c>dotnet-counters monitor --counters StreamingGreeter</c>
/// shows them. Counting costs an interlocked add when nobody listens.
/// </summary>
public sealed class HubMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "StreamingGreeter";

    private readonly Counter<long> _published;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _disconnected;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>, or on a meter of its own.</summary>
    public HubMetrics(IMeterFactory? meterFactory = null)
    {
        Meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _published = Meter.CreateCounter<long>("streaminggreeter.events.published", "{event}", "Events appended to a room");
        _delivered = Meter.CreateCounter<long>("streaminggreeter.events.delivered", "{event}", "Events queued to subscribers, counted once per subscriber");
        _dropped = Meter.CreateCounter<long>("streaminggreeter.events.dropped", "{event}", "Events dropped from full subscriber buffers (policy DropOldest)");
        _disconnected = Meter.CreateCounter<long>("streaminggreeter.subscribers.disconnected", "{subscriber}", "Subscribers disconnected for falling behind (policy Disconnect)");
    }

    /// <summary>The meter the instruments belong to; a transport adds its own instruments to it.</summary>
    public Meter Meter { get; }

    internal void Observe(Func<int> rooms, Func<int> subscribers)
    {
        Meter.CreateObservableUpDownCounter("streaminggreeter.rooms", rooms, "{room}", "Rooms held by the hub");
        Meter.CreateObservableUpDownCounter("streaminggreeter.subscribers", subscribers, "{subscriber}", "Subscriptions registered in rooms");
    }

    internal void Published(int deliveries)
    {
        _published.Add(1);
        if (deliveries > 0)
        {
            _delivered.Add(deliveries);
        }
    }

    internal void Dropped() => _dropped.Add(1);

    internal void Disconnected(int count) => _disconnected.Add(count);
}
