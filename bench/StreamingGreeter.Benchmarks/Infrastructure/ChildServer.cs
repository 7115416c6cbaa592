using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>
/// The server executable in a process of its own (<c>dotnet StreamingGreeter.Server.dll</c>, shipped configuration,
/// a free port), so that its memory can be read from /proc without the benchmark's client in it.
/// </summary>
public sealed partial class ChildServer : IAsyncDisposable
{
    private readonly Process _process;

    private ChildServer(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    public static async Task<ChildServer> StartAsync(params string[] extraArgs)
    {
        var dll = FindServerAssembly();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[dll, "--urls", "http://127.0.0.1:0", "--Greeter:PublishesPerSecond=0", .. extraArgs])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var address = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && ListeningOn().Match(text) is { Success: true } match)
            {
                address.TrySetResult(match.Groups[1].Value);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => address.TrySetException(new InvalidOperationException($"the server exited with {process.ExitCode}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new ChildServer(process, await address.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

    /// <summary>The server's resident set size (VmRSS), in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException("no VmRSS in /proc/<pid>/status");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    /// <summary>
    /// Where the build put it ([AssemblyMetadata] from the project reference, which builds the host without referencing
    /// it), else the server project's own Release build.
    /// </summary>
    private static string FindServerAssembly()
    {
        var built = typeof(ChildServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(static a => a.Key == "GreeterServerAssembly")?.Value;
        if (IsRunnable(built))
        {
            return built!;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "src", "StreamingGreeter.Server", "bin", "Release", "net10.0", "StreamingGreeter.Server.dll");
            if (IsRunnable(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("StreamingGreeter.Server.dll with its runtimeconfig.json was not found; build the solution in Release");
    }

    private static bool IsRunnable(string? dll) => !string.IsNullOrEmpty(dll) && File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningOn();
}
