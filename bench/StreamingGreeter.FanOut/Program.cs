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
ChildServer? running = null;
void Track(ChildServer? server) => Volatile.Write(ref running, server);

// The server never outlives this process: Ctrl+C, SIGTERM, the global timeout, a failure or a normal exit all kill
// it (each run disposes its server; a signal kills it at once and then lets this process end as the signal says).
void OnSignal(PosixSignalContext signal)
{
    Console.Error.WriteLine($"FAILED: stopped by {signal.Signal}");
    cancellation.Cancel();
    Volatile.Read(ref running)?.Kill();
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var hangUp = PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal);
AppDomain.CurrentDomain.ProcessExit += (_, _) => Volatile.Read(ref running)?.Kill();

Console.WriteLine(FanOutResult.TableHeader);
var failed = false;
foreach (var server in options.Servers)
{
    FanOutResult result;
    try
    {
        result = await FanOutRun.RunAsync(server, options, Track, cancellation.Token);
    }
    catch (Exception error) when (cancellation.IsCancellationRequested)
    {
        Console.Error.WriteLine($"FAILED: the {server} run did not finish: {error.Message}");
        return 1;
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
        Console.Error.WriteLine($"FAILED: the {server} run: {result.Failures.Count} of {options.Subscribers} subscribers did not receive every event in order and end OK:");
        foreach (var failure in result.Failures.Take(20))
        {
            Console.Error.WriteLine("  " + failure);
        }

        continue;
    }

    Console.WriteLine(result.TableRow());
}

return failed ? 1 : 0;
