namespace StreamingGreeter.Benchmarks.Tests.FanOut;

/// <summary>
/// The fan-out program's smoke run (<c>--smoke</c>: 50 subscribers on 5 connections, 200 events, the project's server
/// and the bare twin, each in a process of its own), so that the program, the raw HTTP/2 client and the bare server
/// keep working, and keep checking every delivery, between full measurements.
/// </summary>
public sealed class FanOutSmokeTests
{
    // A few seconds on a quiet machine; the limit leaves room for a busy one.
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(55);

    [Fact]
    public async Task SmokeRun_BothServers_ExitsZeroWithARowEach()
    {
        var assembly = BenchProcess.Assembly("FanOutAssembly");
        var workDirectory = Directory.CreateTempSubdirectory("streaminggreeter-fanout-smoke-");
        try
        {
            var (exitCode, output) = await BenchProcess.RunAsync(assembly, workDirectory.FullName, ["--smoke"], RunLimit);

            Assert.True(exitCode == 0, $"the fan-out smoke run exited with {exitCode}:\n{BenchProcess.Tail(output)}");
            Assert.DoesNotContain("FAILED:", output, StringComparison.Ordinal);
            Assert.Contains("| server | subscribers | connections |", output, StringComparison.Ordinal);
            foreach (var server in (string[])["project", "bare"])
            {
                // One row per server, all 50 × 200 deliveries timed: a rate above zero.
                var row = Assert.Single(output.Split('\n'), line => line.StartsWith($"| {server} | 50 | 5 | 200 | saturate", StringComparison.Ordinal));
                var rate = double.Parse(row.Split('|')[6].Trim(), System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture);
                Assert.True(rate > 0, row);
            }
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SmokeRun_ServerRefusesEveryPublish_FailsAtOnceWithTheRefusal()
    {
        var assembly = BenchProcess.Assembly("FanOutAssembly");
        var workDirectory = Directory.CreateTempSubdirectory("streaminggreeter-fanout-refused-");
        try
        {
            // Every event's text (a timestamp) is over 4 bytes. The run's own limit is far beyond RunLimit: a run that
            // only failed when it timed out, waiting for deliveries that never come, would fail this test.
            var (exitCode, output) = await BenchProcess.RunAsync(
                assembly,
                workDirectory.FullName,
                ["--smoke", "--server", "project", "--server-arg", "--Greeter:MaxEventBytes=4", "--timeout", "600"],
                RunLimit);

            Assert.True(exitCode == 1, $"the fan-out run exited with {exitCode}:\n{BenchProcess.Tail(output)}");
            Assert.Contains("FAILED: the Project run: Grpc.Core.RpcException: Status(StatusCode=\"InvalidArgument\"", output, StringComparison.Ordinal);
            Assert.Contains("Greeter:MaxEventBytes", output, StringComparison.Ordinal);
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Interrupted_AsSoonAsItsServerExists_TheServerEndsToo()
    {
        var workDirectory = Directory.CreateTempSubdirectory("streaminggreeter-fanout-interrupted-");
        try
        {
            // The bare twin writes nothing, so nothing but this program ends it once started.
            await using var fanOut = ChildProcess.Start("dotnet", [BenchProcess.Assembly("FanOutAssembly"), "--smoke", "--server", "bare"], workingDirectory: workDirectory.FullName);
            var server = 0;
            await Wait.UntilAsync(() => (server = ChildOf(fanOut.Id)) != 0, () => $"the fan-out program started no server:\n{fanOut.Transcript}");

            // Milliseconds after its process exists, long before a .NET host listens: the server is still starting.
            fanOut.Signal(Signals.Interrupt);

            try
            {
                await fanOut.WaitForExitAsync();
                Assert.Contains("FAILED: stopped by SIGINT", fanOut.Error.Text, StringComparison.Ordinal);
                await Wait.UntilAsync(() => Ended(server), () => $"the server (process {server}) is still running after its benchmark stopped");
            }
            finally
            {
                // Left running only if this test fails: not beyond it.
                if (!Ended(server))
                {
                    Signals.Send(server, 9);
                }
            }
        }
        finally
        {
            workDirectory.Delete(recursive: true);
        }
    }

    /// <summary>Gone, or a zombie nobody has reaped yet (state Z): either way no longer running.</summary>
    private static bool Ended(int process)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{process}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return true;
        }
    }

    /// <summary>A child process of <paramref name="parent"/>, from /proc; 0 while it has none.</summary>
    private static int ChildOf(int parent)
    {
        foreach (var task in Directory.EnumerateDirectories($"/proc/{parent}/task"))
        {
            if (File.ReadAllText(Path.Combine(task, "children")).Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var child, ..])
            {
                return int.Parse(child, System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
