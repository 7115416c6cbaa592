using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// <see cref="FanOutBenchmarks"/>' burst with the Redis backplane: two servers in this process share one redis-server
/// of the benchmark's own; <see cref="Subscribers"/> Subscribe streams to one room are split evenly across them, 100
/// per connection, and publishes alternate between the two servers. Every subscriber must get every event of a round
/// with no sequence gap. Left out of the run where redis-server is not installed.
/// </summary>
[MemoryDiagnoser]
public class RedisFanOutBenchmarks
{
    private const string Room = "fanout-redis";
    private const int StreamsPerConnection = 100;
    private const int PublisherPipeline = 4;

    private readonly LatencyHistogram _latency = new();
    private readonly List<string> _failures = [];
    private readonly List<BenchServer> _nodes = [];
    private readonly List<GrpcChannel> _channels = [];
    private readonly List<Task> _subscriberLoops = [];
    private readonly List<Greeter.GreeterClient> _publishers = [];
    private RedisProcess? _redis;
    private CancellationTokenSource? _stop;
    private int _eventsPerInvoke;
    private int _published;

    private long _roundStart = long.MaxValue;
    private long _received;
    private long _expected;
    private TaskCompletionSource _roundDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    private string Key => ExtraMetrics.Key(nameof(RedisFanOutBenchmarks), nameof(Burst), (nameof(Subscribers), Subscribers));

    /// <summary>The same window as the in-memory fan-out: some 50,000 deliveries, at most 500 events in flight.</summary>
    private int Window => BenchConfig.Smoke ? 10 : Math.Clamp(50_000 / Subscribers, 20, 500);

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var n = 0; n < 2; n++)
        {
            var node = await BenchServer.StartAsync(ServerKind.Project, "--Hub:Backplane=Redis", $"--Hub:Redis:Configuration={_redis.Configuration}");
            _nodes.Add(node);
            var channel = node.CreateChannel();
            _channels.Add(channel);
            _publishers.Add(new Greeter.GreeterClient(channel));
        }

        _stop = new CancellationTokenSource();
        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = new GrpcChannel?[2];
        var streams = new int[2];
        for (var i = 0; i < Subscribers; i++)
        {
            // Alternating nodes; a connection of its own for every 100 streams on each.
            var n = i % 2;
            if (streams[n]++ % StreamsPerConnection == 0)
            {
                connections[n] = _nodes[n].CreateChannel();
                _channels.Add(connections[n]!);
            }

            var call = new Greeter.GreeterClient(connections[n]).Subscribe(new SubscribeRequest { Room = Room }, cancellationToken: _stop.Token);
            _subscriberLoops.Add(SubscriberLoopAsync(call, () =>
            {
                if (Interlocked.Increment(ref ready) == Subscribers)
                {
                    allReady.TrySetResult();
                }
            }));
        }

        var deadline = Stopwatch.StartNew();
        while (!allReady.Task.IsCompleted)
        {
            await PublishNowAsync(CancellationToken.None);
            await Task.WhenAny(allReady.Task, Task.Delay(100));
            ThrowIfFailed();
            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException($"only {Volatile.Read(ref ready)} of {Subscribers} subscribers received a probe within 60 s");
            }
        }

        _eventsPerInvoke = Window;
        await Burst();
        _latency.Reset();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
    }

    [Benchmark]
    public async Task Burst()
    {
        var marker = await _publishers[0].PublishAsync(new PublishRequest { Room = Room, Sender = "marker", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) });
        _roundDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _received, 0);
        Volatile.Write(ref _expected, (long)_eventsPerInvoke * Subscribers);
        Volatile.Write(ref _roundStart, marker.Sequence);

        await Parallel.ForEachAsync(
            Enumerable.Range(0, _eventsPerInvoke),
            new ParallelOptions { MaxDegreeOfParallelism = PublisherPipeline },
            async (_, cancellationToken) => await PublishNowAsync(cancellationToken));

        try
        {
            await _roundDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Volatile.Read(ref _received)} of {(long)_eventsPerInvoke * Subscribers} deliveries within 60 s");
        }

        ThrowIfFailed();
        if (Volatile.Read(ref _received) != (long)_eventsPerInvoke * Subscribers)
        {
            throw new InvalidOperationException($"{Volatile.Read(ref _received)} deliveries, expected {(long)_eventsPerInvoke * Subscribers}");
        }

        Volatile.Write(ref _roundStart, long.MaxValue);
    }

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

        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
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

    /// <summary>Publishes through the two servers in turn, so events enter the room from both.</summary>
    private async Task PublishNowAsync(CancellationToken cancellationToken) =>
        await _publishers[Interlocked.Increment(ref _published) & 1].PublishAsync(
            new PublishRequest { Room = Room, Sender = "bench", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken);
}
