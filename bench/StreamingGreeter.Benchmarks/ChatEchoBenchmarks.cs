using BenchmarkDotNet.Attributes;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// Chat round trips per second (Op/s): each of <see cref="Clients"/> open Chat calls, alone in a room of its own,
/// sends a message and waits for it to come back (through the hub in the project; echoed straight back by the bare
/// baseline) before sending the next.
/// </summary>
[MemoryDiagnoser]
public class ChatEchoBenchmarks
{
    private const int RoundTrips = 2048;

    private static readonly ChatMessage Message = new() { Text = "ping" };

    private BenchServer? _server;
    private GrpcChannel? _channel;
    private ChatClient[] _clients = [];

    [Params(1, 16)]
    public int Clients { get; set; }

    [GlobalSetup(Target = nameof(Bare))]
    public Task SetupBare() => SetupAsync(ServerKind.Bare);

    [GlobalSetup(Target = nameof(Project))]
    public Task SetupProject() => SetupAsync(ServerKind.Project);

    [Benchmark(Baseline = true, OperationsPerInvoke = RoundTrips)]
    public Task Bare() => RunAsync();

    [Benchmark(OperationsPerInvoke = RoundTrips)]
    public Task Project() => RunAsync();

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var client in _clients)
        {
            await client.LeaveAsync();
        }

        _channel?.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private async Task SetupAsync(ServerKind kind)
    {
        _server = await BenchServer.StartAsync(kind);
        _channel = _server.CreateChannel();
        var greeter = new Greeter.GreeterClient(_channel);
        _clients = new ChatClient[Clients];
        for (var i = 0; i < Clients; i++)
        {
            _clients[i] = await ChatClient.JoinAsync(greeter, $"echo-{i}");
        }

        await RunAsync();
    }

    private Task RunAsync()
    {
        var loops = new Task[_clients.Length];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = _clients[i].RoundTripsAsync(RoundTrips / _clients.Length);
        }

        return Task.WhenAll(loops);
    }

    private sealed class ChatClient(AsyncDuplexStreamingCall<ChatMessage, ChatEvent> call, long joinedSequence)
    {
        private long _sequence = joinedSequence;

        public static async Task<ChatClient> JoinAsync(Greeter.GreeterClient greeter, string room)
        {
            var call = greeter.Chat();
            await call.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "bench" });
            if (!await call.ResponseStream.MoveNext(CancellationToken.None) || call.ResponseStream.Current.Kind != ChatEvent.Types.Kind.Joined)
            {
                throw new InvalidOperationException($"no JOINED in room {room}");
            }

            return new ChatClient(call, call.ResponseStream.Current.Sequence);
        }

        public async Task RoundTripsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await call.RequestStream.WriteAsync(Message);
                if (!await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    throw new InvalidOperationException($"the chat ended: {call.GetStatus()}");
                }

                var echo = call.ResponseStream.Current;
                if (echo.Kind != ChatEvent.Types.Kind.Message || echo.Text != Message.Text || echo.Sequence != ++_sequence)
                {
                    throw new InvalidOperationException($"expected MESSAGE \"{Message.Text}\" with sequence {_sequence}, got {echo}");
                }
            }
        }

        public async Task LeaveAsync()
        {
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }

            call.Dispose();
        }
    }
}
