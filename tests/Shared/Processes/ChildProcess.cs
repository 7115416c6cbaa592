using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text;

namespace StreamingGreeter.Tests;

/// <summary>A process with its standard streams redirected: input to write, output and error collected by line.</summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _readers;

    private ChildProcess(Process process)
    {
        _process = process;
        _readers = Task.WhenAll(Pump(process.StandardOutput, Output), Pump(process.StandardError, Error));
    }

    public LineLog Output { get; } = new();

    public LineLog Error { get; } = new();

    public StreamWriter Input => _process.StandardInput;

    public int Id => _process.Id;

    /// <summary>Everything printed so far, standard output then standard error, for failure messages.</summary>
    public string Transcript => $"--- stdout\n{Output.Text}\n--- stderr\n{Error.Text}";

    /// <summary>
    /// Starts <paramref name="fileName"/>, in <paramref name="workingDirectory"/> (the test's own by default); an
    /// <paramref name="environment"/> value of null removes that variable.
    /// </summary>
    public static ChildProcess Start(string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardInputEncoding = new UTF8Encoding(false),
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GREETER_ADDRESS");
        start.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}"));
    }

    /// <summary>Waits, bounded, for the process to exit and its output to be read to the end; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        await _process.WaitForExitAsync().DefaultTimeout(timeout, file, line);
        await _readers.DefaultTimeout(timeout, file, line);
        return _process.ExitCode;
    }

    public void Signal(int signal) => Signals.Send(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().DefaultTimeout();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private static async Task Pump(StreamReader reader, LineLog log)
    {
        // Chunks, not lines: a prompt without a newline must be seen too.
        var buffer = new char[16 * 1024];
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            log.Append(buffer.AsSpan(0, read));
        }

        log.Complete();
    }
}
