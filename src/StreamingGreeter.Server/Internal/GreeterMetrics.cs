using System.Diagnostics.Metrics;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Server.Internal;

/// <summary>The service's instruments, on the hub's <c>StreamingGreeter</c> meter.</summary>
internal sealed class GreeterMetrics(HubMetrics hub)
{
    private readonly Counter<long> _rejected = hub.Meter.CreateCounter<long>(
        "streaminggreeter.requests.rejected", "{request}", "Requests refused, by reason");

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
