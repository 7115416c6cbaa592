using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// The hub over gRPC: one publisher (Publish calls on a connection of its own) and <see cref="Subscribers"/> Subscribe
/// streams to one room, 100 per connection. Every event carries its send time (Stopwatch ticks) as its text; each
/// subscriber records receive time minus send time, and checks that sequences have no gap.
/// <list type="bullet">
/// <item><see cref="Burst"/>: publishes as fast as the subscribers take it — a window of events (well inside the
/// subscriber buffer of 1024), then waits until every subscriber has every event. Deliveries/s is the capacity; its
/// latencies are those of a saturated server.</item>
/// <item><see cref="Paced"/>: setup measures the burst rate, then the publisher sends at half of it, evenly spaced;
/// its p50/p99 are the latency at half load.</item>
/// </list>
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private const string Room = "fanout";
    private const int StreamsPerConnection = 100;
    private const int PublisherPipeline = 4;

    private readonly LatencyHistogram _latency = new();
    private readonly List<string> _failures = [];
    private BenchServer? _server;
    private GrpcChannel? _publisherChannel;
    private Greeter.GreeterClient? _publisher;
    private readonly List<GrpcChannel> _subscriberChannels = [];
    private readonly List<Task> _subscriberLoops = [];
    private CancellationTokenSource? _stop;
    private string _mode = "";
    private int _eventsPerInvoke;
    private double _pacedEventsPerSecond;

    // Round bookkeeping: subscribers count the events of the current round (sequence above _roundStart).
    private long _roundStart = long.MaxValue;
    private long _received;
    private long _expected;
    private TaskCompletionSource _roundDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    [GlobalSetup(Target = nameof(Burst))]
    public async Task SetupBurst()
    {
        _mode = nameof(Burst);
        await StartAsync();
        _eventsPerInvoke = Window;
        await BurstRoundAsync(_eventsPerInvoke);
        _latency.Reset();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
    }

    [GlobalSetup(Target = nameof(Paced))]
    public async Task SetupPaced()
    {
        _mode = nameof(Paced);
        await StartAsync();
        var window = Window;
        await BurstRoundAsync(window);

        // Calibrate: the burst rate of this process, now; the paced run offers half of it.
        var calibration = BenchConfig.Smoke ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(3);
        var events = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < calibration)
        {
            await BurstRoundAsync(window);
            events += window;
        }

        var burstEventsPerSecond = events / clock.Elapsed.TotalSeconds;
        _pacedEventsPerSecond = burstEventsPerSecond / 2;
        // About a third of a second of events per invocation.
        _eventsPerInvoke = (int)Math.Clamp(_pacedEventsPerSecond / (BenchConfig.Smoke ? 20 : 3), 10, 20_000);
        _latency.Reset();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
        ExtraMetrics.Record(Key, Metrics.PacedDeliveriesPerSecond, _pacedEventsPerSecond * Subscribers);
    }

    [Benchmark]
    public Task Burst() => BurstRoundAsync(_eventsPerInvoke);

    [Benchmark]
    public Task Paced() => PacedRoundAsync(_eventsPerInvoke, _pacedEventsPerSecond);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_latency.Count > 0)
        {
            ExtraMetrics.Record(Key, Metrics.LatencyP50, _latency.PercentileMilliseconds(50));
            ExtraMetrics.Record(Key, Metrics.LatencyP99, _latency.PercentileMilliseconds(99));
        }

        _stop?.Cancel();
        try
        {
            await Task.WhenAll(_subscriberLoops).WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
        }

        _publisherChannel?.Dispose();
        foreach (var channel in _subscriberChannels)
        {
            channel.Dispose();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>
    /// Events per burst round: some 50,000 deliveries, and never more than half a subscriber's buffer (1024) in flight.
    /// </summary>
    private int Window => BenchConfig.Smoke ? 10 : Math.Clamp(50_000 / Subscribers, 20, 500);

    private string Key => ExtraMetrics.Key(nameof(FanOutBenchmarks), _mode, (nameof(Subscribers), Subscribers));

    private async Task StartAsync()
    {
        _server = await BenchServer.StartAsync(ServerKind.Project);
        _publisherChannel = _server.CreateChannel();
        _publisher = new Greeter.GreeterClient(_publisherChannel);
        _stop = new CancellationTokenSource();

        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        GrpcChannel? channel = null;
        for (var i = 0; i < Subscribers; i++)
        {
            if (i % StreamsPerConnection == 0)
            {
                channel = _server.CreateChannel();
                _subscriberChannels.Add(channel);
            }

            var call = new Greeter.GreeterClient(channel).Subscribe(new SubscribeRequest { Room = Room }, cancellationToken: _stop.Token);
            _subscriberLoops.Add(SubscriberLoopAsync(call, () =>
            {
                if (Interlocked.Increment(ref ready) == Subscribers)
                {
                    allReady.TrySetResult();
                }
            }));
        }

        // A subscription exists once it has received an event: publish probes until every subscriber has one.
        var deadline = Stopwatch.StartNew();
        while (!allReady.Task.IsCompleted)
        {
            await _publisher.PublishAsync(new PublishRequest { Room = Room, Sender = "probe", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) });
            await Task.WhenAny(allReady.Task, Task.Delay(100));
            ThrowIfFailed();
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"only {Volatile.Read(ref ready)} of {Subscribers} subscribers received a probe within 60 s");
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
                    _latency.Record(now - long.Parse(received.Text, CultureInfo.InvariantCulture));
                    if (Interlocked.Increment(ref _received) == Volatile.Read(ref _expected))
                    {
                        _roundDone.TrySetResult();
                    }
                }
            }

            Fail($"a subscription ended: {call.GetStatus()}");
        }
        catch (RpcException) when (_stop!.IsCancellationRequested)
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

    /// <summary>Starts a round: the next <paramref name="events"/> events must reach every subscriber.</summary>
    private async Task<Task> BeginRoundAsync(int events)
    {
        // The current last sequence: the probe rounds may have left events in flight, which are not counted.
        var marker = await _publisher!.PublishAsync(new PublishRequest { Room = Room, Sender = "marker", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) });
        _roundDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _received, 0);
        Volatile.Write(ref _expected, (long)events * Subscribers);
        Volatile.Write(ref _roundStart, marker.Sequence);
        return _roundDone.Task;
    }

    private async Task EndRoundAsync(Task done, int events)
    {
        try
        {
            await done.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Volatile.Read(ref _received)} of {(long)events * Subscribers} deliveries within 60 s");
        }

        ThrowIfFailed();
        if (Volatile.Read(ref _received) != (long)events * Subscribers)
        {
            throw new InvalidOperationException($"{Volatile.Read(ref _received)} deliveries, expected {(long)events * Subscribers}");
        }

        Volatile.Write(ref _roundStart, long.MaxValue);
    }

    private async Task BurstRoundAsync(int events)
    {
        var done = await BeginRoundAsync(events);
        await Parallel.ForEachAsync(
            Enumerable.Range(0, events),
            new ParallelOptions { MaxDegreeOfParallelism = PublisherPipeline },
            async (_, cancellationToken) => await PublishNowAsync(cancellationToken));
        await EndRoundAsync(done, events);
    }

    private async Task PacedRoundAsync(int events, double eventsPerSecond)
    {
        var done = await BeginRoundAsync(events);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < events; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / eventsPerSecond);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            await PublishNowAsync(CancellationToken.None);
        }

        await EndRoundAsync(done, events);
    }

    private async Task PublishNowAsync(CancellationToken cancellationToken) =>
        await _publisher!.PublishAsync(
            new PublishRequest { Room = Room, Sender = "bench", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken);
}
