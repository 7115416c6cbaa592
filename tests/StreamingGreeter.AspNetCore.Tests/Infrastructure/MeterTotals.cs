using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Hub;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>
/// Sums what one server's StreamingGreeter counters record, by instrument and tags
/// (<c>streaminggreeter.calls.abandoned[method=/helloworld.Greeter/Chat]</c>), and by instrument alone.
/// </summary>
public sealed class MeterTotals : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new(StringComparer.Ordinal);

    public MeterTotals(TestServer server)
    {
        var meter = server.App.Services.GetRequiredService<HubMetrics>().Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"[{tag.Key}={tag.Value}]";
            }

            _totals.AddOrUpdate(key, value, (_, total) => total + value);
            if (key.Length != instrument.Name.Length)
            {
                _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value);
            }
        });
        _listener.Start();
    }

    public long this[string key] => _totals.GetValueOrDefault(key);

    public void Dispose() => _listener.Dispose();
}
