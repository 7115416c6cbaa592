using System.Diagnostics;
using System.Net;
using Google.Protobuf;
using Grpc.Net.Client;
using StreamingGreeter.Bench;
using StreamingGreeter.Protos;

namespace StreamingGreeter.FanOut;

/// <summary>
/// One measured run against a fresh server process: warm the server up on a room of its own, read its RSS, open the
/// subscribers, read it again, deliver the warm-up events, then measure the window of the remaining ones: wall time,
/// the server's CPU time from /proc, this process's own, and each delivery's latency. Every delivery is checked.
/// </summary>
internal static class FanOutRun
{
    private const string Room = "fanout";
    private const string WarmRoom = "warm";

    public static async Task<FanOutResult> RunAsync(ServerKind kind, FanOutOptions options, CancellationToken cancellation)
    {
        var dll = kind == ServerKind.Project
            ? ChildServer.FindAssembly(ChildServer.ProjectServerKey, "StreamingGreeter.Server")
            : ChildServer.FindAssembly("BareFanOutAssembly", "StreamingGreeter.BareFanOut");
        await using var server = await ChildServer.StartAsync(dll, [.. ServerOverrides(options), .. options.ServerArgs]);
        var phase = "warming up";
        Subscribers? measured = null;
        Publisher? publisher = null;
        try
        {
            var address = new Uri(server.Address);
            var endpoint = new IPEndPoint(IPAddress.Parse(address.Host), address.Port);
            using var channel = GrpcChannel.ForAddress(server.Address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            });
            var client = new Greeter.GreeterClient(channel);

            // Code paths compiled and pools filled before the first reading, in the server and here.
            var warm = Math.Min(options.StreamsPerConnection, 20);
            await using (var warmUp = await Subscribers.OpenAsync(endpoint, WarmRoom, warm, 1, 50, 0, cancellation))
            {
                measured = warmUp;
                // Not a publish before every subscriber is in: a late one would miss events and never end.
                await warmUp.Progress.AllSubscribed.WaitAsync(cancellation);
                publisher = new Publisher(client, WarmRoom, warmUp.Streams, warmUp.Progress, 16, 0, 4);
                await publisher.PublishAsync(50, cancellation);
                await warmUp.Progress.AllEnded.WaitAsync(cancellation);
                if (warmUp.Failures() is { Count: > 0 } failed)
                {
                    return new FanOutResult { Server = kind, Options = options, Failures = failed };
                }
            }

            phase = "subscribing";
            publisher = null;
            var residentBefore = server.ResidentBytes();
            var warmup = options.WarmupEvents;
            await using var subscribers = await Subscribers.OpenAsync(endpoint, Room, options.Subscribers, options.Connections, warmup + options.Events, warmup, cancellation);
            measured = subscribers;
            await subscribers.Progress.AllSubscribed.WaitAsync(cancellation);
            var residentSubscribed = server.ResidentBytes();

            publisher = new Publisher(client, Room, subscribers.Streams, subscribers.Progress, options.Window, options.Rate, options.InFlight);
            phase = "delivering the warm-up events";
            await publisher.PublishAsync(warmup, cancellation);
            await publisher.WaitUntilDeliveredAsync(warmup, cancellation);

            var serverCpu = server.ProcessorTime();
            var clientCpu = OwnProcessorTime();
            var allocated = GC.GetTotalAllocatedBytes();
            var started = Stopwatch.GetTimestamp();
            phase = "delivering the measured events";
            await publisher.PublishAsync(options.Events, cancellation);
            await subscribers.Progress.AllEnded.WaitAsync(cancellation);
            var elapsed = Stopwatch.GetElapsedTime(started);
            serverCpu = server.ProcessorTime() - serverCpu;
            clientCpu = OwnProcessorTime() - clientCpu;
            allocated = GC.GetTotalAllocatedBytes() - allocated;

            var latencies = subscribers.Latencies();
            return new FanOutResult
            {
                Server = kind,
                Options = options,
                Deliveries = (long)options.Subscribers * options.Events,
                Elapsed = elapsed,
                ServerCpu = serverCpu,
                ClientCpu = clientCpu,
                ClientAllocated = allocated,
                P50Microseconds = latencies.PercentileMicroseconds(50),
                P99Microseconds = latencies.PercentileMicroseconds(99),
                MaxMicroseconds = latencies.MaxMicroseconds,
                ResidentBefore = residentBefore,
                ResidentSubscribed = residentSubscribed,
                Failures = subscribers.Failures(),
            };
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            var state = measured is null ? "" : $": {measured.Progress.Subscribed} of {options.Subscribers} subscribed, {measured.Progress.Ended} ended, " +
                $"{publisher?.Published ?? 0} events published, the slowest open subscriber at {publisher?.MinDelivered() ?? 0}";
            var failures = measured is null ? "" : string.Concat(measured.Failures().Take(10).Select(static failure => "\n  " + failure));
            throw new TimeoutException($"the limit (--timeout {options.Timeout.TotalSeconds:0}) ran out while {phase}{state}{failures}");
        }
    }

    /// <summary>
    /// The limits a run needs raised from the shipped defaults (100 streams per connection, 1,000 connections per
    /// address, 100,000 subscribers per room), and only those, so a default-sized run measures the shipped host.
    /// </summary>
    public static IEnumerable<string> ServerOverrides(FanOutOptions options)
    {
        if (options.StreamsPerConnection > 100)
        {
            yield return $"--Greeter:MaxStreamsPerConnection={options.StreamsPerConnection}";
            yield return $"--Kestrel:Limits:Http2:MaxStreamsPerConnection={options.StreamsPerConnection}";
        }

        // The subscribers' connections, the warm-up's and the publisher's.
        if (options.Connections + 2 > 1000)
        {
            yield return $"--Greeter:MaxConnectionsPerAddress={options.Connections + 2}";
            yield return $"--Greeter:MaxConnections={Math.Max(10_000, options.Connections + 2)}";
        }

        if (options.Subscribers > 100_000)
        {
            yield return $"--Hub:MaxSubscribersPerRoom={options.Subscribers}";
        }
    }

    private static TimeSpan OwnProcessorTime()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
