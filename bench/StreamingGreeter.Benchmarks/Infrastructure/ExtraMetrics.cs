using System.Globalization;
using BenchmarkDotNet.Running;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>
/// Figures a benchmark measures itself (latency percentiles, memory, deliveries per invocation). Benchmarks may run in
/// a child process, so they go through a file named by an environment variable that the child inherits; columns read
/// them back when the summary is printed.
/// </summary>
public static class ExtraMetrics
{
    public const string FileVariable = "STREAMINGGREETER_BENCH_METRICS";

    private static readonly Lock Gate = new();

    public static string FilePath =>
        Environment.GetEnvironmentVariable(FileVariable) ?? Path.Combine(Path.GetTempPath(), "streaminggreeter-bench-metrics.tsv");

    /// <summary>The key of a benchmark case: "Class.Method(Param=value,...)", parameters by name.</summary>
    public static string Key(string type, string method, params (string Name, object Value)[] parameters) =>
        $"{type}.{method}({string.Join(",", parameters.OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => $"{p.Name}={Convert.ToString(p.Value, CultureInfo.InvariantCulture)}"))})";

    public static string Key(BenchmarkCase benchmarkCase) => Key(
        benchmarkCase.Descriptor.Type.Name,
        benchmarkCase.Descriptor.WorkloadMethod.Name,
        [.. benchmarkCase.Parameters.Items.Select(p => (p.Name, p.Value))]);

    public static void Record(string key, string metric, double value)
    {
        lock (Gate)
        {
            File.AppendAllText(FilePath, $"{key}\t{metric}\t{value.ToString("R", CultureInfo.InvariantCulture)}\n");
        }

        Console.WriteLine($"// metric {key} {metric} = {value.ToString("G6", CultureInfo.InvariantCulture)}");
    }

    /// <summary>Every recorded figure; a later record of the same figure replaces an earlier one.</summary>
    public static Dictionary<(string Key, string Metric), double> Load()
    {
        var result = new Dictionary<(string, string), double>();
        if (!File.Exists(FilePath))
        {
            return result;
        }

        foreach (var line in File.ReadAllLines(FilePath))
        {
            var parts = line.Split('\t');
            if (parts.Length == 3 && double.TryParse(parts[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                result[(parts[0], parts[1])] = value;
            }
        }

        return result;
    }

    public static double? Get(BenchmarkCase benchmarkCase, string metric) =>
        Load().TryGetValue((Key(benchmarkCase), metric), out var value) ? value : null;
}
