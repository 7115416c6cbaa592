using BenchmarkDotNet.Attributes;
using Grpc.Net.Client;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>
/// A benchmark of one kind of call, run against the bare baseline (<c>Bare</c>) and the project (<c>Project</c>)
/// over one channel. A derived class declares the two [Benchmark] methods, whose operation count it knows, and the
/// calls of one invocation; setup runs one invocation, so a broken server fails before anything is measured.
/// </summary>
public abstract class GreeterCallBenchmark
{
    private BenchServer? _server;
    private GrpcChannel? _channel;
    private Greeter.GreeterClient? _client;

    protected Greeter.GreeterClient Client => _client ?? throw new InvalidOperationException("The benchmark has not been set up.");

    [GlobalSetup(Target = "Bare")]
    public Task SetupBare() => SetupAsync(ServerKind.Bare);

    [GlobalSetup(Target = "Project")]
    public Task SetupProject() => SetupAsync(ServerKind.Project);

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>The calls of one invocation.</summary>
    protected abstract Task RunAsync();

    private async Task SetupAsync(ServerKind kind)
    {
        _server = await BenchServer.StartAsync(kind);
        _channel = _server.CreateChannel();
        _client = new Greeter.GreeterClient(_channel);
        await RunAsync();
    }
}
