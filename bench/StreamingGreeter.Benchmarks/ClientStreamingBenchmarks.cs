using BenchmarkDotNet.Attributes;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>SayHelloToMany messages (names) per second (Op/s): <see cref="Streams"/> calls at once share the names of an invocation.</summary>
[MemoryDiagnoser]
public class ClientStreamingBenchmarks
{
    private const int Names = 8192;

    private static readonly HelloRequest Request = new() { Name = "bench" };

    private BenchServer? _server;
    private GrpcChannel? _channel;
    private Greeter.GreeterClient? _client;

    [Params(1, 16)]
    public int Streams { get; set; }

    [GlobalSetup(Target = nameof(Bare))]
    public Task SetupBare() => SetupAsync(ServerKind.Bare);

    [GlobalSetup(Target = nameof(Project))]
    public Task SetupProject() => SetupAsync(ServerKind.Project);

    [Benchmark(Baseline = true, OperationsPerInvoke = Names)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = Names)]
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
        var streams = new Task[Streams];
        for (var i = 0; i < streams.Length; i++)
        {
            streams[i] = SendStreamAsync(Names / Streams);
        }

        return Task.WhenAll(streams);
    }

    private async Task SendStreamAsync(int count)
    {
        using var call = _client!.SayHelloToMany();
        for (var i = 0; i < count; i++)
        {
            await call.RequestStream.WriteAsync(Request);
        }

        await call.RequestStream.CompleteAsync();
        var reply = await call;
        if (reply.Count != count)
        {
            throw new InvalidOperationException($"the server counted {reply.Count} of {count} names");
        }
    }
}
