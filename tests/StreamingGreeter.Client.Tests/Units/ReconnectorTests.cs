using System.Net.Sockets;
using Grpc.Core;
using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>Reconnecting a long-lived call: which failures are waited out, how long each wait is, and when it stops.</summary>
public sealed class ReconnectorTests
{
    // With a draw of 0.5 (a factor of 0.75) the waits are 300 ms, 600 ms, 1.2 s, 2.4 s, then 3 s.
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(400);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(4);

    private readonly InstantTimeProvider _time = new();
    private readonly StringWriter _status = new();

    [Fact]
    public async Task RunAsync_AnswerAfterFailures_NextLossWaitsTheFirstDelayAgain()
    {
        var attempts = Script(
            static answered => { answered(); throw Restarting(); },
            static _ => throw Restarting(),
            static _ => throw Restarting(),
            static answered => { answered(); throw Restarting(); },
            static answered => answered());

        await Reconnector().RunAsync(attempts.Next, CancellationToken.None).DefaultTimeout();

        Assert.Equal(5, attempts.Count);
        Assert.Equal([Ms(300), Ms(600), Ms(1200), Ms(300)], _time.Waits);
        Assert.Equal(
            [
                "greeter: connection lost (server restarting); reconnecting in 0.3 s",
                "greeter: still no connection (server restarting); reconnecting in 0.6 s",
                "greeter: still no connection (server restarting); reconnecting in 1.2 s",
                "greeter: reconnected",
                "greeter: connection lost (server restarting); reconnecting in 0.3 s",
                "greeter: reconnected",
            ],
            Lines());
    }

    [Fact]
    public async Task RunAsync_NoServerBeforeAnyAnswer_FailsAtOnce()
    {
        var attempts = Script(static _ => throw NoServer());

        var error = await Assert.ThrowsAsync<RpcException>(() => Reconnector().RunAsync(attempts.Next, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(1, attempts.Count);
        Assert.Empty(_time.Waits);
        Assert.Empty(Lines());
    }

    [Fact]
    public async Task RunAsync_NoServerAfterAnAnswer_WaitsForItToComeBack()
    {
        var attempts = Script(
            static answered => { answered(); throw NoServer(); },
            static answered => answered());

        await Reconnector().RunAsync(attempts.Next, CancellationToken.None).DefaultTimeout();

        Assert.Equal([Ms(300)], _time.Waits);
        Assert.Equal(
            ["greeter: connection lost (no server at http://127.0.0.1:50051); reconnecting in 0.3 s", "greeter: reconnected"],
            Lines());
    }

    [Fact]
    public async Task RunAsync_StillDownAfterGiveUpTime_StopsWithTheLastFailure()
    {
        // Lost at 0; still down at 0.3 s and 0.9 s; at 2.1 s the second since the loss is over.
        var attempts = Script(static answered => { answered(); throw Restarting(); }, static _ => throw Restarting());

        var error = await Assert.ThrowsAsync<RpcException>(
            () => Reconnector(giveUpAfter: TimeSpan.FromSeconds(1)).RunAsync(attempts.Next, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(4, attempts.Count);
        Assert.Equal([Ms(300), Ms(600), Ms(1200)], _time.Waits);
        Assert.Equal("greeter: giving up after 1 s without a connection (--timeout)", Lines()[^1]);
    }

    [Theory]
    [InlineData(StatusCode.PermissionDenied)]
    [InlineData(StatusCode.InvalidArgument)]
    [InlineData(StatusCode.Unauthenticated)]
    [InlineData(StatusCode.NotFound)]
    public async Task RunAsync_NotTransient_FailsAtOnceEvenAfterAnAnswer(StatusCode code)
    {
        var attempts = Script(answered => { answered(); throw new RpcException(new Status(code, "no")); });

        var error = await Assert.ThrowsAsync<RpcException>(() => Reconnector().RunAsync(attempts.Next, CancellationToken.None)).DefaultTimeout();

        Assert.Equal(code, error.StatusCode);
        Assert.Empty(_time.Waits);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable)]
    [InlineData(StatusCode.ResourceExhausted)]
    [InlineData(StatusCode.Aborted)]
    [InlineData(StatusCode.Internal)]
    public async Task RunAsync_Transient_IsWaitedOut(StatusCode code)
    {
        var attempts = Script(answered => { answered(); throw new RpcException(new Status(code, "dropped")); }, static answered => answered());

        await Reconnector().RunAsync(attempts.Next, CancellationToken.None).DefaultTimeout();

        Assert.Equal(2, attempts.Count);
        Assert.Equal([Ms(300)], _time.Waits);
    }

    private Reconnector Reconnector(TimeSpan? giveUpAfter = null)
    {
        Assert.True(ServerAddresses.TryParse(["http://127.0.0.1:50051"], "http://localhost:50051", out var address, out var error), error);
        return new Reconnector(address!, giveUpAfter, new Backoff(Initial, Max, new FixedRandom(0.5)), _status, _time);
    }

    private string[] Lines() => _status.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

    private static TimeSpan Ms(int milliseconds) => TimeSpan.FromMilliseconds(milliseconds);

    /// <summary>The server's own status: it is there, and restarting.</summary>
    private static RpcException Restarting() => new(new Status(StatusCode.Unavailable, "server restarting"));

    /// <summary>What the client makes of a refused connection: nothing answered.</summary>
    private static RpcException NoServer() =>
        new(new Status(StatusCode.Unavailable, "Error connecting to subchannel.", new SocketException((int)SocketError.ConnectionRefused)));

    private static AttemptScript Script(params Action<Action>[] steps) => new(steps);

    /// <summary>One step per attempt, in order; the last one is repeated should more attempts come.</summary>
    private sealed class AttemptScript(Action<Action>[] steps)
    {
        public int Count { get; private set; }

        public Task Next(Protos.Greeter.GreeterClient client, Action answered, CancellationToken cancellationToken)
        {
            var step = steps[Math.Min(Count, steps.Length - 1)];
            Count++;
            step(answered);
            return Task.CompletedTask;
        }
    }
}
