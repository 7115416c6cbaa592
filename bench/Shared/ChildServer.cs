using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace StreamingGreeter.Bench;

/// <summary>
/// A server executable in a process of its own (<c>dotnet X.dll --urls http://127.0.0.1:0</c>, a free port), so that its
/// memory and CPU time can be read from /proc without the benchmark's client in them. By default the project's host
/// (<c>StreamingGreeter.Server.dll</c>, shipped configuration); any host that logs "listening on http://..." will do.
/// </summary>
internal sealed partial class ChildServer : IAsyncDisposable
{
    /// <summary>The [AssemblyMetadata] key under which a bench project records where the build put the host.</summary>
    public const string ProjectServerKey = "GreeterServerAssembly";

    private static readonly Lazy<long> ClockTicksPerSecond = new(ReadClockTicksPerSecond);

    // Every server started and not yet disposed of, from the moment its process exists: a signal that ends the benchmark
    // while a server is still starting must end that server too.
    private static readonly HashSet<Process> Live = [];
    private static readonly Lock LiveGate = new();

    private readonly Process _process;

    private ChildServer(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    /// <summary>The project's host, with its shipped configuration and <paramref name="extraArgs"/>.</summary>
    public static Task<ChildServer> StartAsync(params string[] extraArgs) =>
        StartAsync(FindAssembly(ProjectServerKey, "StreamingGreeter.Server"), extraArgs);

    /// <summary>
    /// Runs <paramref name="dll"/> on a free 127.0.0.1 port and waits for the address it logs. The publish rate limit
    /// is off: a benchmark publishes as fast as it can from one address (a host without that option ignores it).
    /// </summary>
    public static async Task<ChildServer> StartAsync(string dll, IEnumerable<string> extraArgs)
    {
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
        lock (LiveGate)
        {
            Live.Add(process);
        }

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
        process.Exited += (_, _) => address.TrySetException(new InvalidOperationException($"the server {Path.GetFileName(dll)} exited with {process.ExitCode}"));
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return new ChildServer(process, await address.Task.WaitAsync(TimeSpan.FromSeconds(30)));
        }
        catch
        {
            Kill(process);
            Forget(process);
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

    /// <summary>
    /// The server's CPU time so far, user and system (utime + stime of /proc/&lt;pid&gt;/stat), in the kernel's clock ticks
    /// (CLK_TCK, normally 10 ms): a difference over a window of seconds is the server's own cost.
    /// </summary>
    public TimeSpan ProcessorTime()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        // The command name (field 2) is in parentheses and may contain spaces: count fields after its closing one.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // Fields 14 and 15 of the whole line (utime, stime) are 12 and 13 here, counted from field 3.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / ClockTicksPerSecond.Value);
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        try
        {
            // Bounded: a server that somehow outlives its kill is reported, not waited for for ever.
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            Forget(_process);
        }
    }

    /// <summary>
    /// Ends at once every server started and not disposed of, those still starting included; safe from a signal or
    /// process-exit handler, and more than once.
    /// </summary>
    public static void KillAll()
    {
        Process[] live;
        lock (LiveGate)
        {
            live = [.. Live];
        }

        foreach (var process in live)
        {
            Kill(process);
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception error) when (error is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Already gone, disposed, or exiting as it is killed.
        }
    }

    private static void Forget(Process process)
    {
        lock (LiveGate)
        {
            Live.Remove(process);
        }

        process.Dispose();
    }

    /// <summary>
    /// Where the build put it ([AssemblyMetadata] from the project reference, which builds the host without referencing
    /// it), else the project's own Release build under src/ or bench/.
    /// </summary>
    public static string FindAssembly(string metadataKey, string projectName)
    {
        var built = Assembly.GetEntryAssembly()?.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == metadataKey)?.Value
            ?? typeof(ChildServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == metadataKey)?.Value;
        if (IsRunnable(built))
        {
            return built!;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var folder in (string[])["src", "bench"])
            {
                var candidate = Path.Combine(dir.FullName, folder, projectName, "bin", "Release", "net10.0", projectName + ".dll");
                if (IsRunnable(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"{projectName}.dll with its runtimeconfig.json was not found; build the solution in Release");
    }

    private static bool IsRunnable(string? dll) => !string.IsNullOrEmpty(dll) && File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));

    private static long ReadClockTicksPerSecond()
    {
        try
        {
            using var getconf = Process.Start(new ProcessStartInfo("getconf", "CLK_TCK") { RedirectStandardOutput = true, UseShellExecute = false });
            if (getconf is not null && long.TryParse(getconf.StandardOutput.ReadToEnd().Trim(), CultureInfo.InvariantCulture, out var ticks) && ticks > 0)
            {
                getconf.WaitForExit();
                return ticks;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No getconf: Linux's USER_HZ is 100 everywhere that matters.
        }

        return 100;
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningOn();
}
