using System.Diagnostics.Metrics;
using StreamingGreeter.Hub;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>The service's instruments, on the hub's <c>StreamingGreeter</c> meter.</summary>
internal sealed class GreeterMetrics(HubMetrics hub)
{
    private readonly Counter<long> _rejected = hub.Meter.CreateCounter<long>(
        "streaminggreeter.requests.rejected", "{request}", "Requests refused, by reason");

    private readonly Counter<long> _abandoned = hub.Meter.CreateCounter<long>(
        "streaminggreeter.calls.abandoned", "{call}", "Calls that ended because the client cancelled them or went away, by method");

    private readonly Counter<long> _connectionsRefused = hub.Meter.CreateCounter<long>(
        "streaminggreeter.connections.refused", "{connection}", "Connections closed before they were served, by reason");

    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Abandoned(string method) => _abandoned.Add(1, new KeyValuePair<string, object?>("method", method));

    public void ConnectionRefused(string reason) => _connectionsRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
