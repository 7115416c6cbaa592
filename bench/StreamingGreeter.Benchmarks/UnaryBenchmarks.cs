using BenchmarkDotNet.Attributes;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>SayHello calls per second (Op/s) over one HTTP/2 connection, <see cref="Concurrency"/> calls in flight.</summary>
[MemoryDiagnoser]
public class UnaryBenchmarks
{
    private const int Calls = 1024;
    private const string Expected = "Hello, bench";

    private static readonly HelloRequest Request = new() { Name = "bench" };

    private BenchServer? _server;
    private GrpcChannel? _channel;
    private Greeter.GreeterClient? _client;

    [Params(1, 16, 64)]
    public int Concurrency { get; set; }

    [GlobalSetup(Target = nameof(Bare))]
    public Task SetupBare() => SetupAsync(ServerKind.Bare);

    [GlobalSetup(Target = nameof(Project))]
    public Task SetupProject() => SetupAsync(ServerKind.Project);

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Project() => RunAsync();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task SetupAsync(ServerKind kind)
    {
        _server = await BenchServer.StartAsync(kind);
        _channel = _server.CreateChannel();
        _client = new Greeter.GreeterClient(_channel);
        await RunAsync();
    }

    private Task RunAsync()
    {
        var workers = new Task[Concurrency];
        for (var i = 0; i < workers.Length; i++)
        {
            workers[i] = WorkerAsync(Calls / Concurrency);
        }

        return Task.WhenAll(workers);
    }

    private async Task WorkerAsync(int calls)
    {
        for (var i = 0; i < calls; i++)
        {
            var reply = await _client!.SayHelloAsync(Request);
            if (reply.Message != Expected)
            {
                throw new InvalidOperationException($"unexpected reply \"{reply.Message}\"");
            }
        }
    }
}
