using System.IO.Pipelines;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// Writes one call's response messages so that the call always ends with its status: a write is cut short only when no
/// status could reach the client anyway — it is gone, or it stopped reading for Greeter:WriteTimeout.
/// </summary>
/// <remarks>
/// <para>
/// grpc-dotnet resets the HTTP/2 stream (RST_STREAM CANCEL, no grpc-status) when the token given to a write is cancelled
/// during it, or already was when the write began. A call cut short by shutdown, token expiry or a refused Chat message
/// would lose the status that tells its client how to resume, so writes do not take the call's token: the caller checks
/// it between writes, and the status follows the last write. They take a token of their own instead, cancelled when
/// the client is gone or when a write has made no progress for the timeout: a client that stops reading, its HTTP/2
/// window at zero, would otherwise hold a write, its buffered events and its membership for ever. Only a write that
/// does not complete at once arms the timer, so a stream that keeps up pays for none. Once the server is stopping, a
/// write gets <see cref="StoppingGrace"/> at most: long enough for a busy stream that is being read to finish its write
/// and end with its status, short enough that a stalled one does not hold the shutdown.
/// </para>
/// <para>
/// When the client resets the stream or its connection breaks, Kestrel first marks the stream's output complete, and
/// only then schedules RequestAborted's cancellation on the thread pool. From that moment a flush already waiting for
/// flow control is released as if it had gone through, and every later one completes at once with
/// <see cref="FlushResult.IsCompleted"/>, which grpc-dotnet's own flush reports as a successful write. A call whose
/// writes all complete at once never yields its thread, so on a busy pool the cancellation waits behind it: a greeting
/// stream would write all its replies into the void and end OK, a pump would drain its buffer and then wait for ever
/// or report a slow subscriber. So messages go to grpc-dotnet buffered and the flush is made here, where its result is
/// seen: a completed output ends the call as abandoned (an <see cref="IOException"/>, as Kestrel's own reset is),
/// whether or not the token has fired yet.
/// </para>
/// </remarks>
internal sealed class ResponseWriter : IDisposable
{
    public static readonly TimeSpan StoppingGrace = TimeSpan.FromMilliseconds(500);

    /// <summary>HTTP/2 CANCEL, the code grpc-dotnet resets a stream with when a write's token is cancelled during it.</summary>
    private const int Http2Cancel = 0x8;

    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    private readonly CancellationTokenSource _abort;
    private readonly PipeWriter _body;
    private readonly IHttpResetFeature? _reset;
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
        var http = context.GetHttpContext();
        _body = http.Response.BodyWriter;
        _reset = http.Features.Get<IHttpResetFeature>();
        _timeout = timeout;
        _time = time;
        _stopping = stopping;
    }

    /// <summary>True once a write timed out and the call was aborted.</summary>
    public bool TimedOut => _timedOut;

    /// <summary>
    /// Writes <paramref name="message"/> and, unless <paramref name="flush"/> is false because another follows at once,
    /// flushes it. Throws an <see cref="IOException"/> once the client has reset the stream or its connection is gone.
    /// </summary>
    public Task WriteAsync<T>(IServerStreamWriter<T> stream, T message, bool flush = true)
    {
        stream.WriteOptions = Buffered;
        var write = stream.WriteAsync(message, _abort.Token);
        if (!write.IsCompletedSuccessfully)
        {
            return WriteThenFlushAsync(write, flush);
        }

        return flush ? FlushAsync() : Task.CompletedTask;
    }

    public void Dispose()
    {
        _stoppingRegistration.Dispose();
        _timer?.Dispose();
        _abort.Dispose();
    }

    /// <summary>
    /// Flushes what was written to the response body since the last flush; throws as <see cref="WriteAsync{T}"/> does.
    /// </summary>
    public Task FlushAsync() => Completed(_body.FlushAsync(_abort.Token));

    /// <summary>
    /// Writes <paramref name="bytes"/> to the response body and flushes it, in one call to the body: Kestrel's HTTP/2
    /// body takes its stream's lock once for both, where a write and a flush take it twice.
    /// </summary>
    public Task WriteAndFlushAsync(ReadOnlyMemory<byte> bytes) => Completed(_body.WriteAsync(bytes, _abort.Token));

    private Task Completed(ValueTask<FlushResult> flush)
    {
        if (!flush.IsCompletedSuccessfully)
        {
            return AwaitFlushAsync(flush);
        }

        ThrowIfStreamGone(flush.Result);
        return Task.CompletedTask;
    }

    private async Task WriteThenFlushAsync(Task write, bool flush)
    {
        Arm();
        try
        {
            await write;
        }
        catch (Exception error) when (_timedOut)
        {
            throw TimedOutError(error);
        }
        finally
        {
            Disarm();
        }

        if (flush)
        {
            await FlushAsync();
        }
    }

    private async Task AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        Arm();
        try
        {
            ThrowIfStreamGone(await flush);
        }
        catch (Exception error) when (_timedOut)
        {
            throw TimedOutError(error);
        }
        finally
        {
            Disarm();
        }
    }

    private void ThrowIfStreamGone(FlushResult result)
    {
        if (result.IsCompleted)
        {
            throw new IOException("the response stream was aborted: the client reset it or its connection went away");
        }

        // As grpc-dotnet does after its own flush: a cancellation does not always show in the result.
        _abort.Token.ThrowIfCancellationRequested();
    }

    private void Arm()
    {
        if (_timer is null)
        {
            _timer = _time.CreateTimer(static state => ((ResponseWriter)state!).OnTimeout(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            _stoppingRegistration = _stopping.UnsafeRegister(static state => ((ResponseWriter)state!).OnStopping(), this);
        }

        _pending = true;
        _timer.Change(_stopping.IsCancellationRequested ? StoppingGrace : _timeout, Timeout.InfiniteTimeSpan);
    }

    private void Disarm()
    {
        _pending = false;
        _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The stream is reset, so the client never reads this; it is for the server's own log.</summary>
    private RpcException TimedOutError(Exception error) => new(new Status(
        StatusCode.DeadlineExceeded,
        _stopping.IsCancellationRequested
            ? "a response write was still blocked when the server shut down: the client stopped reading"
            : $"a response write made no progress for {_timeout.TotalSeconds:0.###} s (Greeter:WriteTimeout): the client stopped reading",
        error));

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
        // releases the call, its subscription and (for Chat) its membership. The cancelled flush would have Kestrel
        // reset it with INTERNAL_ERROR once its continuation runs; reset at once with CANCEL, as grpc-dotnet does for
        // a write of its own whose token is cancelled.
        _timedOut = true;
        _abort.Cancel();
        _reset?.Reset(Http2Cancel);
    }
}
