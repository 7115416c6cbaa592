using BenchmarkDotNet.Attributes;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>SayHelloToMany messages (names) per second (Op/s): <see cref="Streams"/> calls at once share the names of an invocation.</summary>
[MemoryDiagnoser]
public class ClientStreamingBenchmarks : GreeterCallBenchmark
{
    private const int Names = 8192;

    private static readonly HelloRequest Request = new() { Name = "bench" };

    [Params(1, 16)]
    public int Streams { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Names)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = Names)]
    public Task Project() => RunAsync();

    protected override Task RunAsync()
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
        using var call = Client.SayHelloToMany();
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
