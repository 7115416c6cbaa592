using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace StreamingGreeter.Tests;

/// <summary>
/// A redis-server of the test's own on a free loopback port, without persistence, killed at the end. Where redis-server
/// is not installed the test is skipped with what to install, or fails when CI=true.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    public const string InstallHint = "redis-server is not installed: install it (apt-get install redis-server) to run the Redis backplane tests";
    private const string ReadyLine = "Ready to accept connections";

    /// <summary>REDIS_SERVER names another redis-server binary; otherwise Debian's, or the first on PATH.</summary>
    private static readonly string? Executable = Environment.GetEnvironmentVariable("REDIS_SERVER") is { Length: > 0 } chosen
        ? (File.Exists(chosen) ? chosen : null)
        : new[] { "/usr/bin/redis-server", "/usr/local/bin/redis-server" }.FirstOrDefault(File.Exists)
            ?? (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries)
                .Select(dir => Path.Combine(dir, "redis-server")).FirstOrDefault(File.Exists);

    private ChildProcess? _process;

    private RedisServer(int port) => Port = port;

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static bool IsInstalled => Executable is not null;

    /// <summary>Throws the skip (or, under CI, the failure) when redis-server is missing.</summary>
    public static void Require()
    {
        if (IsInstalled)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(InstallHint + " (CI=true: the tests must run)");
        }

        Skip.If(true, InstallHint);
    }

    public static async Task<RedisServer> StartAsync()
    {
        Require();
        // The port is free when chosen; if another process takes it before redis-server binds, try another.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort());
            try
            {
                await server.RunAsync();
                return server;
            }
            catch (IOException) when (attempt < 5)
            {
                await server.DisposeAsync();
            }
        }
    }

    /// <summary>Kills the server, as a crash or a lost host would; its data is gone.</summary>
    public async Task StopAsync()
    {
        var process = Interlocked.Exchange(ref _process, null);
        if (process is not null)
        {
            await process.DisposeAsync();
        }
    }

    /// <summary>Starts it again on the same port.</summary>
    public Task RestartAsync() => RunAsync();

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task RunAsync()
    {
        var process = ChildProcess.Start(Executable!, ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]);
        _process = process;
        try
        {
            await process.Output.WaitForTextAsync(ReadyLine);
        }
        catch (InvalidOperationException error)
        {
            // Exited before it was ready: most likely the port was taken meanwhile.
            throw new IOException($"redis-server on port {Port} exited before it was ready", error);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
