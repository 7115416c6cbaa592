using System.Text.RegularExpressions;
using Grpc.Net.Client;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>The real server, as a process on a loopback port: an ephemeral one, or a given one to restart on.</summary>
public sealed partial class GreeterServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly GrpcChannel _channel;

    private GreeterServer(ChildProcess process, string scheme, int port)
    {
        _process = process;
        Scheme = scheme;
        Port = port;
        _channel = GrpcChannel.ForAddress(Address);
        Client = new Greeter.GreeterClient(_channel);
    }

    public int Port { get; }

    /// <summary>http, or https when the settings configure a TLS endpoint in Kestrel:Endpoints.</summary>
    public string Scheme { get; }

    public string Address => $"{Scheme}://127.0.0.1:{Port}";

    /// <summary>What the server logged to standard output.</summary>
    public LineLog Log => _process.Output;

    /// <summary>A client of the test's own, to set the scene (publish) without going through the program under test.</summary>
    public Greeter.GreeterClient Client { get; }

    public static async Task<GreeterServer> StartAsync(int port = 0, params string[] settings)
    {
        var process = ChildProcess.Start("dotnet", [ProgramPaths.Server, "--urls", $"http://127.0.0.1:{port}", .. settings]);
        try
        {
            var index = await process.Output.WaitForAsync(line => ListeningLine().IsMatch(line), "the server's listening line");
            var listening = ListeningLine().Match(process.Output.Lines[index]);
            return new GreeterServer(process, listening.Groups[1].Value, int.Parse(listening.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public Task<PublishReply> PublishAsync(string room, string sender, string text) =>
        Client.PublishAsync(new PublishRequest { Room = room, Sender = sender, Text = text }).ResponseAsync.DefaultTimeout();

    /// <summary>Stops the server as a service manager does (SIGTERM): open streams end with UNAVAILABLE.</summary>
    public async Task StopAsync()
    {
        _process.Signal(Signals.Terminate);
        await _process.WaitForExitAsync();
    }

    /// <summary>Kills the server, as a crash or a lost machine would: nothing is said to its clients.</summary>
    public async Task KillAsync() => await _process.DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        _channel.Dispose();
        await _process.DisposeAsync();
    }

    [GeneratedRegex(@"StreamingGreeter listening on (https?)://127\.0\.0\.1:(\d+)")]
    private static partial Regex ListeningLine();
}
