using StreamingGreeter.Tests;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>The real server as a child process (<c>dotnet StreamingGreeter.Server.dll</c>), with its output read line by line.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string ListeningPrefix = "StreamingGreeter listening on ";

    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _output = [];
    private int _openStreams = 2;

    private ServerProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
    }

    public int Id => _process.Id;

    /// <summary>Everything the process printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    public static ServerProcess Start(params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "StreamingGreeter.Server.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("The server is not in the test output directory", dll);
        }

        var info = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // The server's own defaults, whatever the test runner's environment says.
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment.Remove("DOTNET_URLS");
        info.Environment.Remove("URLS");

        var process = new Process { StartInfo = info };
        var server = new ServerProcess(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    /// <summary>Waits for the start-up line and returns the address(es) the server printed.</summary>
    public async Task<string> WaitUntilListeningAsync([CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        using var timeout = new CancellationTokenSource(TimeoutExtensions.Timeout);
        try
        {
            while (await _lines.Reader.WaitToReadAsync(timeout.Token))
            {
                while (_lines.Reader.TryRead(out var text))
                {
                    var at = text.IndexOf(ListeningPrefix, StringComparison.Ordinal);
                    if (at >= 0)
                    {
                        return text[(at + ListeningPrefix.Length)..].Trim();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new TimeoutException($"The server did not print \"{ListeningPrefix}\" in time ({Path.GetFileName(file)}:{line}). Output:{Environment.NewLine}{Output}");
        }

        throw new InvalidOperationException($"The server exited before listening ({Path.GetFileName(file)}:{line}). Output:{Environment.NewLine}{Output}");
    }

    /// <summary>Sends SIGTERM, as a service manager or container runtime would.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not run kill");
        await kill.WaitForExitAsync().DefaultTimeout();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        await _process.WaitForExitAsync().DefaultTimeout(timeout, file, line);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().DefaultTimeout();
        }

        _process.Dispose();
    }

    private static string DotnetHost()
    {
        // Set by the dotnet CLI for the processes it starts; the test host itself usually runs under dotnet too.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private void OnLine(string? text)
    {
        if (text is null)
        {
            // Both stdout and stderr have ended: the process has exited.
            if (Interlocked.Decrement(ref _openStreams) == 0)
            {
                _lines.Writer.TryComplete();
            }

            return;
        }

        lock (_output)
        {
            _output.Add(text);
        }

        _lines.Writer.TryWrite(text);
    }
}
