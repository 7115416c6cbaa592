using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// The hub over gRPC: one publisher (Publish calls on a connection of its own) and <see cref="Subscribers"/> Subscribe
/// streams to one room, 100 per connection. Every event carries its send time (Stopwatch ticks) as its text; each
/// subscriber records receive time minus send time, and checks that sequences have no gap (<see cref="FanOutRounds"/>).
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

    private BenchServer? _server;
    private GrpcChannel? _publisherChannel;
    private FanOutRounds? _rounds;
    private string _mode = "";
    private int _eventsPerInvoke;
    private double _pacedEventsPerSecond;

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    [GlobalSetup(Target = nameof(Burst))]
    public async Task SetupBurst()
    {
        _mode = nameof(Burst);
        var rounds = await StartAsync();
        _eventsPerInvoke = FanOutRounds.Window(Subscribers);
        await rounds.BurstAsync(_eventsPerInvoke);
        rounds.ResetLatency();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
    }

    [GlobalSetup(Target = nameof(Paced))]
    public async Task SetupPaced()
    {
        _mode = nameof(Paced);
        var rounds = await StartAsync();
        var window = FanOutRounds.Window(Subscribers);
        await rounds.BurstAsync(window);

        // Calibrate: the burst rate of this process, now; the paced run offers half of it.
        var calibration = BenchConfig.Smoke ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromSeconds(3);
        var events = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < calibration)
        {
            await rounds.BurstAsync(window);
            events += window;
        }

        var burstEventsPerSecond = events / clock.Elapsed.TotalSeconds;
        _pacedEventsPerSecond = burstEventsPerSecond / 2;
        // About a third of a second of events per invocation.
        _eventsPerInvoke = (int)Math.Clamp(_pacedEventsPerSecond / (BenchConfig.Smoke ? 20 : 3), 10, 20_000);
        rounds.ResetLatency();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
        ExtraMetrics.Record(Key, Metrics.PacedDeliveriesPerSecond, _pacedEventsPerSecond * Subscribers);
    }

    [Benchmark]
    public Task Burst() => _rounds!.BurstAsync(_eventsPerInvoke);

    [Benchmark]
    public Task Paced() => PacedRoundAsync(_eventsPerInvoke, _pacedEventsPerSecond);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_rounds is not null)
        {
            _rounds.RecordLatency(Key);
            await _rounds.DisposeAsync();
        }

        _publisherChannel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private string Key => ExtraMetrics.Key(nameof(FanOutBenchmarks), _mode, (nameof(Subscribers), Subscribers));

    private async Task<FanOutRounds> StartAsync()
    {
        _server = await BenchServer.StartAsync(ServerKind.Project);
        _publisherChannel = _server.CreateChannel();
        var publisher = new Greeter.GreeterClient(_publisherChannel);
        _rounds = await FanOutRounds.StartAsync(Room, Subscribers, [_server], (request, cancellationToken) => publisher.PublishAsync(request, cancellationToken: cancellationToken));
        return _rounds;
    }

    private async Task PacedRoundAsync(int events, double eventsPerSecond)
    {
        var rounds = _rounds!;
        await rounds.BeginRoundAsync(events);
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < events; i++)
        {
            var due = start + (long)(i * Stopwatch.Frequency / eventsPerSecond);
            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            await rounds.PublishAsync(CancellationToken.None);
        }

        await rounds.EndRoundAsync();
    }
}
