using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Bench;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// Memory per idle subscriber, with the server in a child process. Setup: start the server, warm it up, read its RSS;
/// open <see cref="Subscribers"/> Subscribe streams (100 per connection, the server's default limit), confirm each
/// with one published event, let it settle, read RSS again: Server KB/stream = growth / streams. The timed part opens,
/// confirms and closes that many streams (Streams/s).
/// </summary>
[MemoryDiagnoser]
public class IdleSubscriberMemoryBenchmarks
{
    private const int StreamsPerConnection = 100;
    private const string Room = "idle";

    private ChildServer? _server;
    private GrpcChannel? _publisherChannel;
    private Greeter.GreeterClient? _publisher;

    [Params(1000, 10_000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _server = await ChildServer.StartAsync();
        _publisherChannel = BenchServer.CreateChannel(_server.Address);
        _publisher = new Greeter.GreeterClient(_publisherChannel);

        // Warm-up: the code paths are compiled and the pools filled before the first reading.
        await using (var warm = await OpenAsync(StreamsPerConnection))
        {
        }

        var settle = BenchConfig.Smoke ? TimeSpan.FromMilliseconds(200) : TimeSpan.FromSeconds(3);
        await Task.Delay(settle);
        var before = _server.ResidentBytes();
        await using (var idle = await OpenAsync(Subscribers))
        {
            await Task.Delay(settle);
            var after = _server.ResidentBytes();
            var key = ExtraMetrics.Key(nameof(IdleSubscriberMemoryBenchmarks), nameof(OpenConfirmClose), (nameof(Subscribers), Subscribers));
            ExtraMetrics.Record(key, Metrics.KilobytesPerSubscriber, (after - before) / 1024.0 / Subscribers);
            ExtraMetrics.Record(key, "server_rss_before_mib", before / 1048576.0);
            ExtraMetrics.Record(key, "server_rss_after_mib", after / 1048576.0);
            ExtraMetrics.Record(key, Metrics.StreamsPerInvoke, Subscribers);
        }
    }

    [Benchmark]
    public async Task OpenConfirmClose()
    {
        await using var streams = await OpenAsync(Subscribers);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _publisherChannel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Opens streams and returns once every one has received an event, so the server holds them all.</summary>
    private async Task<OpenStreams> OpenAsync(int count)
    {
        var streams = new OpenStreams();
        var ready = 0;
        var allReady = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        GrpcChannel? channel = null;
        for (var i = 0; i < count; i++)
        {
            if (i % StreamsPerConnection == 0)
            {
                channel = BenchServer.CreateChannel(_server!.Address);
                streams.Channels.Add(channel);
            }

            var call = new Greeter.GreeterClient(channel).Subscribe(new SubscribeRequest { Room = Room }, cancellationToken: streams.Stop.Token);
            streams.Loops.Add(ReadAsync(call, streams.Stop.Token, () =>
            {
                if (Interlocked.Increment(ref ready) == count)
                {
                    allReady.TrySetResult();
                }
            }));
        }

        var deadline = Stopwatch.StartNew();
        while (!allReady.Task.IsCompleted)
        {
            await _publisher!.PublishAsync(new PublishRequest { Room = Room, Sender = "bench", Text = "confirm" });
            await Task.WhenAny(allReady.Task, Task.Delay(200));
            if (streams.Loops.FirstOrDefault(t => t.IsFaulted) is { } failed)
            {
                await failed;
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"{Volatile.Read(ref ready)} of {count} streams confirmed within 120 s");
            }
        }

        return streams;
    }

    private static async Task ReadAsync(AsyncServerStreamingCall<ChatEvent> call, CancellationToken stop, Action first)
    {
        using var _ = call;
        var seen = false;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
                if (!seen)
                {
                    seen = true;
                    first();
                }
            }

            throw new InvalidOperationException($"a subscription ended: {call.GetStatus()}");
        }
        catch (RpcException) when (stop.IsCancellationRequested)
        {
            // Closed by the benchmark: Cancelled, or Unavailable when the cancellation aborts a read in progress.
        }
    }

    private sealed class OpenStreams : IAsyncDisposable
    {
        public CancellationTokenSource Stop { get; } = new();

        public List<GrpcChannel> Channels { get; } = [];

        public List<Task> Loops { get; } = [];

        public async ValueTask DisposeAsync()
        {
            await Stop.CancelAsync();
            await Task.WhenAll(Loops).WaitAsync(TimeSpan.FromSeconds(60));
            foreach (var channel in Channels)
            {
                channel.Dispose();
            }

            Stop.Dispose();
        }
    }
}
