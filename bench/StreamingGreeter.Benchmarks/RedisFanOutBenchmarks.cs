using BenchmarkDotNet.Attributes;
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

    private readonly List<BenchServer> _nodes = [];
    private readonly List<GrpcChannel> _publisherChannels = [];
    private readonly List<Greeter.GreeterClient> _publishers = [];
    private RedisProcess? _redis;
    private FanOutRounds? _rounds;
    private int _eventsPerInvoke;
    private int _published;

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    private string Key => ExtraMetrics.Key(nameof(RedisFanOutBenchmarks), nameof(Burst), (nameof(Subscribers), Subscribers));

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await RedisProcess.StartAsync();
        for (var n = 0; n < 2; n++)
        {
            var node = await BenchServer.StartAsync(ServerKind.Project, "--Hub:Backplane=Redis", $"--Hub:Redis:Configuration={_redis.Configuration}");
            _nodes.Add(node);
            var channel = node.CreateChannel();
            _publisherChannels.Add(channel);
            _publishers.Add(new Greeter.GreeterClient(channel));
        }

        // Publishes go through the two servers in turn, so events enter the room from both.
        _rounds = await FanOutRounds.StartAsync(Room, Subscribers, _nodes, (request, cancellationToken) =>
            _publishers[Interlocked.Increment(ref _published) & 1].PublishAsync(request, cancellationToken: cancellationToken));
        _eventsPerInvoke = FanOutRounds.Window(Subscribers);
        await Burst();
        _rounds.ResetLatency();
        ExtraMetrics.Record(Key, Metrics.DeliveriesPerInvoke, (double)_eventsPerInvoke * Subscribers);
    }

    [Benchmark]
    public Task Burst() => _rounds!.BurstAsync(_eventsPerInvoke);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        if (_rounds is not null)
        {
            _rounds.RecordLatency(Key);
            await _rounds.DisposeAsync();
        }

        foreach (var channel in _publisherChannels)
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
}
