using Grpc.Core;

namespace StreamingGreeter.Server.Services;

/// <summary>
/// Writes one call's response messages so that the call always ends with its status: a write is cut short only when no
/// status could reach the client anyway — it is gone, or it stopped reading for Greeter:WriteTimeout.
/// </summary>
/// <remarks>
/// grpc-dotnet resets the HTTP/2 stream (RST_STREAM CANCEL, no grpc-status) when the token given to a write is cancelled
/// during it, or already was when the write began. A call cut short by shutdown, token expiry or a refused Chat message
/// would lose the status that tells its client how to resume, so writes do not take the call's token: the caller checks
/// it between writes, and the status follows the last write. They take a token of their own instead, cancelled when
/// the client is gone (Kestrel completes no flush that waits for flow control when the connection breaks; the
/// cancellation is what ends it) or when a write has made no progress for the timeout: a client that stops reading,
/// its HTTP/2 window at zero, would otherwise hold a write, its buffered events and its membership for ever. Only a
/// write that does not complete at once arms the timer, so a stream that keeps up pays for none. Once the server is
/// stopping, a write gets <see cref="StoppingGrace"/> at most: long enough for a busy stream that is being read to
/// finish its write and end with its status, short enough that a stalled one does not hold the shutdown.
/// </remarks>
internal sealed class ResponseWriter : IDisposable
{
    public static readonly TimeSpan StoppingGrace = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _abort;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private ITimer? _timer;
    private CancellationTokenRegistration _stoppingRegistration;
    private volatile bool _pending;
    private volatile bool _timedOut;

    public ResponseWriter(ServerCallContext context, TimeSpan timeout, TimeProvider time, CancellationToken stopping)
    {
        // The client going away (or its deadline) ends a write: there is nobody left to send a status to.
        _abort = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        _timeout = timeout;
        _time = time;
        _stopping = stopping;
    }

    /// <summary>True once a write timed out and the call was aborted.</summary>
    public bool TimedOut => _timedOut;

    public Task WriteAsync<T>(IServerStreamWriter<T> stream, T message)
    {
        var write = stream.WriteAsync(message, _abort.Token);
        return write.IsCompletedSuccessfully ? Task.CompletedTask : AwaitAsync(write);
    }

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        _timer?.Dispose();
        _abort.Dispose();
    }

    private async Task AwaitAsync(Task write)
    {
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static state => ((ResponseWriter)state!).OnTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _stoppingRegistration = _stopping.UnsafeRegister(static state => ((ResponseWriter)state!).OnStopping(), this);
        }

        _pending = true;
        _timer.Change(_stopping.IsCancellationRequested ? StoppingGrace : _timeout, Timeout.InfiniteTimeSpan);
        try
        {
            await write;
        }
        catch (Exception error) when (_timedOut)
        {
            // The stream is reset, so the client never reads this; it is for the server's own log.
            throw new RpcException(new Status(
                StatusCode.DeadlineExceeded,
                _stopping.IsCancellationRequested
                    ? "a response write was still blocked when the server shut down: the client stopped reading"
                    : $"a response write made no progress for {_timeout.TotalSeconds:0.###} s (Greeter:WriteTimeout): the client stopped reading",
                error));
        }
        finally
        {
            _pending = false;
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnStopping()
    {
        if (_pending)
        {
            _timer?.Change(StoppingGrace, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimeout()
    {
        if (!_pending)
        {
            return;
        }

        // The stalled write cannot complete, and neither can a status behind it: the stream is reset instead, which
        // releases the call, its subscription and (for Chat) its membership.
        _timedOut = true;
        _abort.Cancel();
    }
}
