using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Client.Load;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>
/// The subscribers of a fan-out benchmark and its rounds. Subscribe streams to one room are split evenly across the
/// given servers, 100 per connection. Every event carries its send time (Stopwatch ticks) as its text; each subscriber
/// checks that sequences have no gap, and counts and times the events of the current round (sequence above its marker).
/// A round ends when every subscriber has every event of it; a gap, an ended stream or a wrong count fails it.
/// </summary>
internal sealed class FanOutRounds : IAsyncDisposable
{
    private const int StreamsPerConnection = 100;
    private const int PublisherPipeline = 4;

    private readonly string _room;
    private readonly int _subscribers;
    private readonly Func<PublishRequest, CancellationToken, AsyncUnaryCall<PublishReply>> _publish;
    private LatencyHistogram _latency = new();
    private TimeSpan _cpuAtReset = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly List<string> _failures = [];
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<Task> _loops = [];
    private readonly CancellationTokenSource _stop = new();

    private long _roundStart = long.MaxValue;
    private long _received;
    private long _expected;
    private TaskCompletionSource _roundDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private FanOutRounds(string room, int subscribers, Func<PublishRequest, CancellationToken, AsyncUnaryCall<PublishReply>> publish)
    {
        _room = room;
        _subscribers = subscribers;
        _publish = publish;
    }

    /// <summary>
    /// Events per burst round: some 50,000 deliveries, and never more than half a subscriber's buffer (1024) in flight.
    /// </summary>
    public static int Window(int subscribers) => BenchConfig.Smoke ? 10 : Math.Clamp(50_000 / subscribers, 20, 500);

    /// <summary>
    /// Opens the subscriptions and returns once each has received an event. <paramref name="publish"/> sends a request
    /// through whichever server the benchmark chooses: probes, round markers and the events of every round.
    /// </summary>
    public static async Task<FanOutRounds> StartAsync(
        string room,
        int subscribers,
        IReadOnlyList<BenchServer> servers,
        Func<PublishRequest, CancellationToken, AsyncUnaryCall<PublishReply>> publish)
    {
        var rounds = new FanOutRounds(room, subscribers, publish);
        try
        {
            await rounds.SubscribeAsync(servers);
            return rounds;
        }
        catch
        {
            await rounds.DisposeAsync();
            throw;
        }
    }

    /// <summary>Publishes one event stamped with the current time.</summary>
    public Task<PublishReply> PublishAsync(CancellationToken cancellationToken) => Send("bench", cancellationToken);

    /// <summary>A round of <paramref name="events"/> published as fast as the subscribers take them, a few in flight.</summary>
    public async Task BurstAsync(int events)
    {
        await BeginRoundAsync(events);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, events),
            new ParallelOptions { MaxDegreeOfParallelism = PublisherPipeline },
            async (_, cancellationToken) => await PublishAsync(cancellationToken));
        await EndRoundAsync();
    }

    /// <summary>Starts a round: the next <paramref name="events"/> events must reach every subscriber.</summary>
    public async Task BeginRoundAsync(int events)
    {
        // The current last sequence: the probe rounds may have left events in flight, which are not counted.
        var marker = await Send("marker", CancellationToken.None);
        _roundDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _received, 0);
        Volatile.Write(ref _expected, (long)events * _subscribers);
        Volatile.Write(ref _roundStart, marker.Sequence);
    }

    /// <summary>Waits until every subscriber has every event of the round; throws on a failure or a wrong count.</summary>
    public async Task EndRoundAsync()
    {
        var expected = Volatile.Read(ref _expected);
        try
        {
            await _roundDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Volatile.Read(ref _received)} of {expected} deliveries within 60 s");
        }

        ThrowIfFailed();
        if (Volatile.Read(ref _received) != expected)
        {
            throw new InvalidOperationException($"{Volatile.Read(ref _received)} deliveries, expected {expected}");
        }

        Volatile.Write(ref _roundStart, long.MaxValue);
    }

    /// <summary>Forgets the latencies recorded so far (setup's rounds), so that only measured rounds count.</summary>
    public void ResetLatency()
    {
        Volatile.Write(ref _latency, new LatencyHistogram());
        _cpuAtReset = Process.GetCurrentProcess().TotalProcessorTime;
    }

    /// <summary>Records the p50 and p99 publish-to-receive latency of the rounds since the last reset, if any.</summary>
    public void RecordLatency(string key)
    {
        if (_latency.Count > 0)
        {
            ExtraMetrics.Record(key, Metrics.LatencyP50, _latency.PercentileMicroseconds(50) / 1000.0);
            ExtraMetrics.Record(key, Metrics.LatencyP99, _latency.PercentileMicroseconds(99) / 1000.0);
            // The whole process's CPU: client and server share it, and the pauses between iterations add little.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - _cpuAtReset;
            ExtraMetrics.Record(key, Metrics.CpuMicrosecondsPerDelivery, cpu.TotalMicroseconds / _latency.Count);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        _stop.Dispose();
    }

    private async Task<PublishReply> Send(string sender, CancellationToken cancellationToken) =>
        await _publish(new PublishRequest { Room = _room, Sender = sender, Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) }, cancellationToken);

    private async Task SubscribeAsync(IReadOnlyList<BenchServer> servers)
    {
        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = new GrpcChannel?[servers.Count];
        var streams = new int[servers.Count];
        for (var i = 0; i < _subscribers; i++)
        {
            // Servers in turn; a connection of its own for every 100 streams on each.
            var n = i % servers.Count;
            if (streams[n]++ % StreamsPerConnection == 0)
            {
                connections[n] = servers[n].CreateChannel();
                _channels.Add(connections[n]!);
            }

            var call = new Greeter.GreeterClient(connections[n]).Subscribe(new SubscribeRequest { Room = _room }, cancellationToken: _stop.Token);
            _loops.Add(SubscriberLoopAsync(call, () =>
            {
                if (Interlocked.Increment(ref ready) == _subscribers)
                {
                    allReady.TrySetResult();
                }
            }));
        }

        // A subscription exists once it has received an event: publish probes until every subscriber has one.
        var deadline = Stopwatch.StartNew();
        while (!allReady.Task.IsCompleted)
        {
            await Send("probe", CancellationToken.None);
            await Task.WhenAny(allReady.Task, Task.Delay(100));
            ThrowIfFailed();
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"only {Volatile.Read(ref ready)} of {_subscribers} subscribers received a probe within 60 s");
            }
        }
    }

    private async Task SubscriberLoopAsync(AsyncServerStreamingCall<ChatEvent> call, Action firstEvent)
    {
        using var _ = call;
        var last = 0L;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                var received = call.ResponseStream.Current;
                var now = Stopwatch.GetTimestamp();
                if (last == 0)
                {
                    firstEvent();
                }
                else if (received.Sequence != last + 1)
                {
                    Fail($"a subscriber received sequence {received.Sequence} after {last}");
                }

                last = received.Sequence;
                if (received.Sequence > Volatile.Read(ref _roundStart))
                {
                    _latency.Record((long)Stopwatch.GetElapsedTime(long.Parse(received.Text, CultureInfo.InvariantCulture), now).TotalMicroseconds);
                    if (Interlocked.Increment(ref _received) == Volatile.Read(ref _expected))
                    {
                        _roundDone.TrySetResult();
                    }
                }
            }

            Fail($"a subscription ended: {call.GetStatus()}");
        }
        catch (RpcException) when (_stop.IsCancellationRequested)
        {
            // Closed by the benchmark: Cancelled, or Unavailable when the cancellation aborts a read in progress.
        }
        catch (Exception error)
        {
            Fail($"a subscription failed: {error.Message}");
        }
    }

    private void Fail(string failure)
    {
        lock (_failures)
        {
            _failures.Add(failure);
        }

        _roundDone.TrySetResult();
    }

    private void ThrowIfFailed()
    {
        lock (_failures)
        {
            if (_failures.Count > 0)
            {
                throw new InvalidOperationException($"{_failures.Count} failures, first: {_failures[0]}");
            }
        }
    }
}
