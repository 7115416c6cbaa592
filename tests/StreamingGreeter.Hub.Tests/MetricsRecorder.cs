using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Hub.Tests;

/// <summary>Sums what the instruments of one <see cref="Meter"/> record.</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _totals = new();

    public MetricsRecorder(Meter meter)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _totals.AddOrUpdate(instrument.Name, value, (_, total) => total + value));
        _listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => _totals[instrument.Name] = value);
        _listener.Start();
    }

    public long this[string instrument]
    {
        get
        {
            _listener.RecordObservableInstruments();
            return _totals.GetValueOrDefault(instrument);
        }
    }

    public void Dispose() => _listener.Dispose();
}
