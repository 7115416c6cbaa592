using BenchmarkDotNet.Attributes;
using Grpc.Core;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>SayHelloStream messages per second (Op/s): <see cref="Streams"/> calls at once share the messages of an invocation.</summary>
[MemoryDiagnoser]
public class ServerStreamingBenchmarks : GreeterCallBenchmark
{
    private const int Messages = 8192;

    [Params(1, 16)]
    public int Streams { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Messages)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = Messages)]
    public Task Project() => RunAsync();

    protected override Task RunAsync()
    {
        var streams = new Task[Streams];
        for (var i = 0; i < streams.Length; i++)
        {
            streams[i] = ReadStreamAsync(Messages / Streams);
        }

        return Task.WhenAll(streams);
    }

    private async Task ReadStreamAsync(int count)
    {
        using var call = Client.SayHelloStream(new HelloStreamRequest { Name = "bench", Count = count });
        var received = 0;
        var last = "";
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            received++;
            last = call.ResponseStream.Current.Message;
        }

        if (received != count || call.GetStatus().StatusCode != StatusCode.OK)
        {
            throw new InvalidOperationException($"received {received} of {count} messages, status {call.GetStatus()}");
        }

        if (last != $"Hello, bench ({count} of {count})")
        {
            throw new InvalidOperationException($"unexpected last message \"{last}\"");
        }
    }
}
