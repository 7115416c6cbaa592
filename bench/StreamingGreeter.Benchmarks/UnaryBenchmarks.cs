using BenchmarkDotNet.Attributes;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>SayHello calls per second (Op/s) over one HTTP/2 connection, <see cref="Concurrency"/> calls in flight.</summary>
[MemoryDiagnoser]
public class UnaryBenchmarks : GreeterCallBenchmark
{
    private const int Calls = 1024;
    private const string Expected = "Hello, bench";

    private static readonly HelloRequest Request = new() { Name = "bench" };

    [Params(1, 16, 64)]
    public int Concurrency { get; set; }

    [Benchmark(Baseline = true, OperationsPerInvoke = Calls)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = Calls)]
    public Task Project() => RunAsync();

    protected override Task RunAsync()
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
            var reply = await Client.SayHelloAsync(Request);
            if (reply.Message != Expected)
            {
                throw new InvalidOperationException($"unexpected reply \"{reply.Message}\"");
            }
        }
    }
}
