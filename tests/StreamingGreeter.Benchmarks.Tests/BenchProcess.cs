using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace StreamingGreeter.Benchmarks.Tests;

/// <summary>A bench program run as a process of its own from its build output, its output captured, within a limit.</summary>
internal static class BenchProcess
{
    /// <summary>The built program recorded under <paramref name="key"/> ([AssemblyMetadata] from the project reference).</summary>
    public static string Assembly(string key)
    {
        var path = typeof(BenchProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path) || !File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json")))
        {
            throw new InvalidOperationException($"the bench program is not built (expected at '{path}'): build tests/StreamingGreeter.Benchmarks.Tests");
        }

        return path;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string assemblyPath, string workDirectory, string[] arguments, TimeSpan limit)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assemblyPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = new StringBuilder();
        var readers = Task.WhenAll(CopyAsync(process.StandardOutput, output), CopyAsync(process.StandardError, output));
        try
        {
            await process.WaitForExitAsync().DefaultTimeout(limit);
            await readers.DefaultTimeout();
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(assemblyPath)} did not finish within {limit.TotalSeconds:0} s:\n{Tail(Snapshot(output))}");
        }

        return (process.ExitCode, Snapshot(output));
    }

    public static string Tail(string output) => output.Length <= 4000 ? output : "…" + output[^4000..];

    private static async Task CopyAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
