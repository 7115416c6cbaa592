using BenchmarkDotNet.Running;
using StreamingGreeter.Benchmarks.Infrastructure;

// dotnet run -c Release --project bench/StreamingGreeter.Benchmarks -- --filter '*'            the full run
// dotnet run -c Release --project bench/StreamingGreeter.Benchmarks -- --filter '*' --smoke    CI: a few seconds per class
var smoke = args.Contains("--smoke");
Environment.SetEnvironmentVariable(BenchConfig.SmokeVariable, smoke ? "1" : "0");
var metricsFile = Path.GetFullPath(Path.Combine("BenchmarkDotNet.Artifacts", "extra-metrics.tsv"));
Directory.CreateDirectory(Path.GetDirectoryName(metricsFile)!);
File.Delete(metricsFile);
Environment.SetEnvironmentVariable(ExtraMetrics.FileVariable, metricsFile);

var summaries = BenchmarkSwitcher.FromAssembly(typeof(BenchConfig).Assembly)
    .Run([.. args.Where(a => a != "--smoke")], BenchConfig.Create(smoke));

// A failed case (a benchmark that threw, for instance because a delivery count was wrong) fails the run.
var failed = summaries.SelectMany(s => s.Reports).Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo).ToList();
foreach (var name in failed)
{
    Console.Error.WriteLine($"FAILED: {name}");
}

return summaries.Any() && failed.Count == 0 && !summaries.Any(s => s.HasCriticalValidationErrors) ? 0 : 1;
