using System.Net;
using Google.Protobuf;
using StreamingGreeter.Protos;

namespace StreamingGreeter.FanOut;

/// <summary>S Subscribe calls on one room over C connections (S/C each, the remainder on the first ones).</summary>
internal sealed class Subscribers : IAsyncDisposable
{
    private readonly List<SubscriberConnection> _connections = [];
    private readonly DeliveryHistogram[] _latencies;

    private Subscribers(SubscriberStream[] streams, DeliveryHistogram[] latencies, RunProgress progress)
    {
        Streams = streams;
        _latencies = latencies;
        Progress = progress;
    }

    public SubscriberStream[] Streams { get; }

    public RunProgress Progress { get; }

    /// <summary>
    /// Opens the calls, each asking for <paramref name="maxEvents"/> events (the server ends it OK after them) and
    /// recording the latency of those after sequence <paramref name="measuredAfter"/>.
    /// </summary>
    public static async Task<Subscribers> OpenAsync(IPEndPoint server, string room, int subscribers, int connections, long maxEvents, long measuredAfter, CancellationToken cancellation)
    {
        var progress = new RunProgress(subscribers);
        var latencies = new DeliveryHistogram[connections];
        var perConnection = new SubscriberStream[connections][];
        var all = new List<SubscriberStream>(subscribers);
        for (var c = 0; c < connections; c++)
        {
            latencies[c] = new DeliveryHistogram();
            var count = (subscribers / connections) + (c < subscribers % connections ? 1 : 0);
            perConnection[c] = new SubscriberStream[count];
            for (var s = 0; s < count; s++)
            {
                perConnection[c][s] = new SubscriberStream(c, (2 * s) + 1, maxEvents, measuredAfter, latencies[c], progress);
                all.Add(perConnection[c][s]);
            }
        }

        var request = new SubscribeRequest { Room = room, MaxEvents = checked((int)maxEvents) }.ToByteArray();
        var framed = new byte[5 + request.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), (uint)request.Length);
        request.CopyTo(framed, 5);

        var opened = new Subscribers([.. all], latencies, progress);
        try
        {
            foreach (var streams in perConnection)
            {
                opened._connections.Add(await SubscriberConnection.OpenAsync(server, streams, framed, progress, cancellation));
            }
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }

        return opened;
    }

    /// <summary>The latencies of all connections together; read once every stream has ended.</summary>
    public DeliveryHistogram Latencies()
    {
        var all = new DeliveryHistogram();
        foreach (var latencies in _latencies)
        {
            all.Add(latencies);
        }

        return all;
    }

    /// <summary>Every stream's failure, and the streams that have not ended; empty when all is well.</summary>
    public List<string> Failures() =>
    [
        .. Streams.Select(static s => s.Failure ?? (s.Ended ? null : $"{s.Name}: still open after {s.Delivered} events")).OfType<string>(),
    ];

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }
}
