using System.Reflection;
using System.Runtime.Loader;

namespace StreamingGreeter.Benchmarks.Tests;

/// <summary>
/// The benchmarks' smoke run (<c>--smoke</c>: one invocation of every case, in one process), so that a benchmark that
/// no longer builds, throws or checks a wrong count fails the test command instead of rotting until the next full run.
/// </summary>
public sealed class BenchmarkSmokeTests
{
    // Some 25 s on a quiet 2-core machine and 50 s with other suites building and testing on it.
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task SmokeRun_EveryBenchmark_RunsAndExitsZero()
    {
        var assembly = BenchProcess.Assembly("BenchmarksAssembly");
        var expected = BenchmarkMethods(assembly);
        Assert.NotEmpty(expected);

        var workDirectory = Directory.CreateTempSubdirectory("streaminggreeter-bench-smoke-");
        try
        {
            var (exitCode, output) = await BenchProcess.RunAsync(assembly, workDirectory.FullName, ["--filter", "*", "--smoke"], RunLimit);

            Assert.True(exitCode == 0, $"the smoke run exited with {exitCode}:\n{BenchProcess.Tail(output)}");
            if (output.Contains("RedisFanOutBenchmarks left out", StringComparison.Ordinal))
            {
                // As the Redis tests do: without redis-server the Redis case is left out, except in CI, which installs it.
                Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "redis-server is not installed (apt-get install redis-server): CI must run the Redis fan-out benchmark");
                expected = [.. expected.Where(static method => !method.StartsWith("RedisFanOutBenchmarks.", StringComparison.Ordinal))];
            }

            foreach (var method in expected)
            {
                // BenchmarkDotNet announces every case it runs: "// Benchmark: FanOutBenchmarks.Burst: Smoke(...) [...]".
                Assert.True(output.Contains($"// Benchmark: {method}:", StringComparison.Ordinal), $"{method} did not run:\n{BenchProcess.Tail(output)}");
            }

            Assert.DoesNotContain("FAILED:", output, StringComparison.Ordinal);
            Assert.True(
                File.Exists(Path.Combine(workDirectory.FullName, "BenchmarkDotNet.Artifacts", "extra-metrics.tsv")),
                "the smoke run recorded none of the figures the benchmarks measure themselves");
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    /// <summary>"Class.Method" of every [Benchmark] method, read from the built assembly in a load context of its own.</summary>
    private static List<string> BenchmarkMethods(string assemblyPath)
    {
        var context = new BenchmarksLoadContext(assemblyPath);
        try
        {
            return
            [
                .. context.LoadFromAssemblyPath(assemblyPath).GetTypes()
                    .Where(type => type is { IsClass: true, IsAbstract: false, IsPublic: true })
                    .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
                        .Where(method => method.CustomAttributes.Any(a => a.AttributeType.FullName == "BenchmarkDotNet.Attributes.BenchmarkAttribute"))
                        .Select(method => $"{type.Name}.{method.Name}"))
                    .Order(StringComparer.Ordinal),
            ];
        }
        finally
        {
            context.Unload();
        }
    }

    private sealed class BenchmarksLoadContext(string assemblyPath) : AssemblyLoadContext(isCollectible: true)
    {
        private readonly AssemblyDependencyResolver _resolver = new(assemblyPath);

        protected override Assembly? Load(AssemblyName assemblyName) =>
            _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }
}
