using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Tests;

/// <summary>
/// The real server, as a process (<c>dotnet StreamingGreeter.Server.dll</c>) on a loopback port: an ephemeral one, or
/// a given one to restart on. Its output is a <see cref="LineLog"/>, so a test waits for a line instead of polling.
/// </summary>
public sealed partial class GreeterServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly GrpcChannel _channel;

    private GreeterServer(ChildProcess process, string scheme, string host, int port)
    {
        _process = process;
        Scheme = scheme;
        Host = host;
        Port = port;
        _channel = GrpcChannel.ForAddress(Address);
        Client = new Greeter.GreeterClient(_channel);
    }

    public int Port { get; }

    /// <summary>http, or https when the settings configure a TLS endpoint in Kestrel:Endpoints.</summary>
    public string Scheme { get; }

    /// <summary>The host the server printed: 127.0.0.1, or its default's when started without an address.</summary>
    public string Host { get; }

    public string Address => $"{Scheme}://{Host}:{Port}";

    /// <summary>What the server logged to standard output.</summary>
    public LineLog Log => _process.Output;

    /// <summary>Everything the server printed, for failure messages.</summary>
    public string Transcript => _process.Transcript;

    /// <summary>A client of the test's own, to set the scene (publish) without going through the program under test.</summary>
    public Greeter.GreeterClient Client { get; }

    public static Task<GreeterServer> StartAsync(int port = 0, params string[] settings) =>
        ListeningAsync(Launch(["--urls", $"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", .. settings]));

    /// <summary>Starts the server on an ephemeral loopback port with <paramref name="workingDirectory"/> as its current directory.</summary>
    public static Task<GreeterServer> StartInDirectoryAsync(string workingDirectory, params string[] settings) =>
        ListeningAsync(Launch(["--urls", "http://127.0.0.1:0", .. settings], workingDirectory));

    /// <summary>Starts the server as an operator does, without an address: it listens on its configured default.</summary>
    public static Task<GreeterServer> StartOnDefaultAddressAsync() => ListeningAsync(Launch([]));

    /// <summary>Starts the server with only <paramref name="arguments"/>: an address of the test's (--urls or Kestrel:Endpoints) among them.</summary>
    public static Task<GreeterServer> StartWithArgumentsAsync(params string[] arguments) => ListeningAsync(Launch(arguments));

    /// <summary>Starts the server on an ephemeral loopback port without waiting for it to listen: for settings it must refuse at start.</summary>
    public static ChildProcess StartProcess(params string[] settings) => Launch(["--urls", "http://127.0.0.1:0", .. settings]);

    public Task<PublishReply> PublishAsync(string room, string sender, string text) =>
        Client.PublishAsync(new PublishRequest { Room = room, Sender = sender, Text = text }).ResponseAsync.DefaultTimeout();

    /// <summary>
    /// Fails when the server logged at Error or Fatal (or wrote to standard error), except lines containing one of
    /// <paramref name="expected"/>. Call it after <see cref="WaitForExitAsync"/> to see everything it logged.
    /// </summary>
    public void AssertNoErrorLogs(params string[] expected) => ServerErrors.AssertNone(_process, expected);

    /// <summary>Sends SIGTERM, as a service manager or container runtime does, without waiting for the exit.</summary>
    public void Terminate() => _process.Signal(Signals.Terminate);

    /// <summary>Waits, bounded, for the server to exit; returns its exit code.</summary>
    public Task<int> WaitForExitAsync(TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        _process.WaitForExitAsync(timeout, file, line);

    /// <summary>Stops the server as a service manager does (SIGTERM): open streams end with UNAVAILABLE.</summary>
    public async Task StopAsync()
    {
        Terminate();
        await _process.WaitForExitAsync();
    }

    /// <summary>Kills the server, as a crash or a lost machine would: nothing is said to its clients.</summary>
    public async Task KillAsync() => await _process.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _process.DisposeAsync();
    }

    private static ChildProcess Launch(IEnumerable<string> arguments, string? workingDirectory = null) =>
        // The server's own defaults and the test's arguments, whatever the test runner's environment says.
        ChildProcess.Start(
            ProgramPaths.Dotnet,
            [ProgramPaths.Server, .. arguments],
            // No web endpoint on its fixed default port, which parallel servers would contend for: a test turns it on with
            // --Web:Urls, which the command line lets win over this.
            new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = null, ["DOTNET_URLS"] = null, ["URLS"] = null, ["Web__Urls"] = string.Empty },
            workingDirectory);

    private static async Task<GreeterServer> ListeningAsync(ChildProcess process)
    {
        try
        {
            var index = await process.Output.WaitForAsync(line => ListeningLine().IsMatch(line), "the server's listening line");
            var listening = ListeningLine().Match(process.Output.Lines[index]);
            return new GreeterServer(process, listening.Groups[1].Value, listening.Groups[2].Value, int.Parse(listening.Groups[3].Value, CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    // The first address the server prints, e.g. "StreamingGreeter listening on http://127.0.0.1:41234".
    [GeneratedRegex(@"StreamingGreeter listening on (https?)://([^\s,/]+):(\d+)")]
    private static partial Regex ListeningLine();
}
