using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Filters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace StreamingGreeter.Benchmarks.Infrastructure;

public static class BenchConfig
{
    public const string SmokeVariable = "STREAMINGGREETER_BENCH_SMOKE";

    /// <summary>True in the CI smoke run, here and in any child process the run starts.</summary>
    public static bool Smoke => Environment.GetEnvironmentVariable(SmokeVariable) == "1";

    public static IConfig Create(bool smoke)
    {
        // Full run: each case in a process of its own (a fresh heap and thread pool), server GC like the server
        // executable, and fixed warm-up and iteration counts so the whole run has a predictable length.
        // Smoke run: one invocation of each case in this process, only to prove that everything still runs.
        // 12 warm-up iterations: a fresh process of a streaming case speeds up over its first 6-10 iterations (some
        // 250,000 to 1,900,000 SayHelloStream messages/s at 16 streams); with 3, the measured ones were still on that
        // ramp and the ratio depended on how far each process had got.
        var job = smoke
            ? Job.Dry.WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(2), logOutput: true)).WithId("Smoke")
            : Job.Default.WithWarmupCount(12).WithIterationCount(10).WithGcServer(true).WithId("Bench");

        var config = DefaultConfig.Instance
            .AddJob(job)
            .AddColumn(
                StatisticColumn.OperationsPerSecond,
                new ThroughputVersusBaselineColumn(),
                new RateColumn("Deliveries/s", Metrics.DeliveriesPerInvoke, "Events received by subscribers per second"),
                new AllocatedPerUnitColumn("Alloc/delivery", Metrics.DeliveriesPerInvoke, "Bytes allocated in the process per delivery"),
                new MetricColumn("Alloc/publish", Metrics.BytesPerPublish, "Bytes allocated per publish and its deliveries, measured in setup after warm-up"),
                new MetricColumn("Paced at/s", Metrics.PacedDeliveriesPerSecond, "Deliveries per second offered in the paced run: half the burst rate measured in setup"),
                new MetricColumn("p50 ms", Metrics.LatencyP50, "Publish-to-receive latency, 50th percentile"),
                new MetricColumn("p99 ms", Metrics.LatencyP99, "Publish-to-receive latency, 99th percentile"),
                new MetricColumn("CPU us/delivery", Metrics.CpuMicrosecondsPerDelivery, "Process CPU time (client and server) per delivery of the measured rounds"),
                new RateColumn("Streams/s", Metrics.StreamsPerInvoke, "Subscribe streams opened, confirmed and closed per second"),
                new MetricColumn("Server KB/stream", Metrics.KilobytesPerSubscriber, "Server RSS growth per idle Subscribe stream (KiB)"));

        // The Redis backplane's benchmarks need Debian's redis-server; without it they are left out, full run or smoke.
        if (!RedisProcess.IsInstalled)
        {
            Console.WriteLine("// redis-server is not installed (apt-get install redis-server): RedisFanOutBenchmarks left out");
            config = config.AddFilter(new SimpleFilter(c => c.Descriptor.Type != typeof(RedisFanOutBenchmarks)));
        }

        // 10,000 streams take some 10 s to open and close on two cores; the 1,000 case runs the same code. The smoke
        // run may use the Debug build that the test command has just made: its figures are not read anyway.
        return smoke
            ? config.WithOption(ConfigOptions.DisableOptimizationsValidator, true).AddFilter(new SimpleFilter(c => !(c.Descriptor.Type == typeof(IdleSubscriberMemoryBenchmarks)
                && c.Parameters.Items.Any(p => p.Name == nameof(IdleSubscriberMemoryBenchmarks.Subscribers) && (int)p.Value > 1000))))
            : config;
    }
}

/// <summary>Names of the figures in <see cref="ExtraMetrics"/>.</summary>
public static class Metrics
{
    public const string DeliveriesPerInvoke = "deliveries_per_invoke";
    public const string StreamsPerInvoke = "streams_per_invoke";
    public const string BytesPerPublish = "bytes_per_publish";
    public const string PacedDeliveriesPerSecond = "paced_deliveries_per_s";
    public const string LatencyP50 = "latency_p50_ms";
    public const string LatencyP99 = "latency_p99_ms";
    public const string CpuMicrosecondsPerDelivery = "cpu_us_per_delivery";
    public const string KilobytesPerSubscriber = "server_kib_per_stream";
}
