using System.Runtime.InteropServices;
using StreamingGreeter.Bench;
using StreamingGreeter.FanOut;

// Fan-out measured at the server: the server in a process of its own, subscribers on a raw HTTP/2 client that costs
// next to nothing per delivery, one Markdown table row per run. See FanOutOptions.Usage.
FanOutOptions options;
try
{
    options = FanOutOptions.Parse(args);
}
catch (ArgumentException error)
{
    Console.Error.WriteLine(error.Message);
    return 2;
}

using var cancellation = new CancellationTokenSource(options.Timeout);
// The server never outlives this process: Ctrl+C, SIGTERM, the global timeout, a failure or a normal exit all kill
// it (each run disposes its server; a signal kills it at once and then lets this process end as the signal says).
void OnSignal(PosixSignalContext signal)
{
    Console.Error.WriteLine($"FAILED: stopped by {signal.Signal}");
    cancellation.Cancel();
    ChildServer.KillAll();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildServer.KillAll();

Console.WriteLine(FanOutResult.TableHeader);
if (!options.Report)
{
    return await RunEachAsync(options) is null ? 1 : 0;
}

// The report. First a run that is not in the table: in a fresh process the load client's own code is still being
// compiled, which took as much as half a core from the server in the first run and bounded its rate.
if (await RunEachAsync(FanOutOptions.ClientWarmup with { Timeout = options.Timeout, ServerArgs = options.ServerArgs }, counted: false) is null)
{
    return 1;
}

// Saturation first, since the paced run is at half of the rate it measured.
var saturated = await RunEachAsync(FanOutOptions.Saturation with { Timeout = options.Timeout, ServerArgs = options.ServerArgs });
if (saturated is null)
{
    return 1;
}

var projectRate = saturated.Where(r => r.Server == ServerKind.Project).Min(r => r.DeliveriesPerSecond);
foreach (var run in FanOutOptions.ReportRuns(projectRate))
{
    if (await RunEachAsync(run with { Timeout = options.Timeout, ServerArgs = options.ServerArgs }) is null)
    {
        return 1;
    }
}

return 0;

// Each server of the options in turn, a row each (on standard error for a run not counted); null when any run failed.
async Task<List<FanOutResult>?> RunEachAsync(FanOutOptions run, bool counted = true)
{
    var results = new List<FanOutResult>();
    var failed = false;
    foreach (var server in run.Servers)
    {
        FanOutResult result;
        try
        {
            result = await FanOutRun.RunAsync(server, run, cancellation.Token);
        }
        catch (Exception error) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine($"FAILED: the {server} run did not finish: {error.Message}");
            return null;
        }
        catch (Exception error)
        {
            Console.Error.WriteLine($"FAILED: the {server} run: {error}");
            failed = true;
            continue;
        }

        if (result.Failures.Count > 0)
        {
            failed = true;
            Console.Error.WriteLine($"FAILED: the {server} run: {result.Failures.Count} of {run.Subscribers} subscribers did not receive every event in order and end OK:");
            foreach (var failure in result.Failures.Take(20))
            {
                Console.Error.WriteLine("  " + failure);
            }

            continue;
        }

        if (counted)
        {
            Console.WriteLine(result.TableRow());
        }
        else
        {
            Console.Error.WriteLine("warm-up of the load client, not in the table: " + result.TableRow());
        }

        results.Add(result);
    }

    return failed ? null : results;
}
