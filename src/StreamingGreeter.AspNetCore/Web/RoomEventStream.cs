using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using StreamingGreeter.Hub;
using StreamingGreeter.AspNetCore.Internal;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// One event stream: a room's events as server-sent events, from one subscription, ended by the server with a last
/// <c>event: error</c> that says why. Owns the subscription, the request's access and its count against the connection,
/// and gives them back when the stream ends, however it ends.
/// </summary>
/// <remarks>
/// ASP.NET Core's formatter writes each item as it is handed over and asks for the next only once that write has gone
/// through; so a write that makes no progress shows here as a hand-over the formatter does not come back from. Such a
/// client stopped reading: after Greeter:WriteTimeout the request is aborted, which releases the subscription and its
/// buffered events, as the gRPC service's writes do. Between two items nothing is being written, which is when a
/// heartbeat comment goes straight to the body (the formatter writes no comments).
/// </remarks>
internal sealed class RoomEventStream : IAsyncDisposable
{
    public const string ShuttingDownMessage = "server shutting down: reconnect and resume with Last-Event-ID (EventSource does so by itself)";

    private static readonly ReadOnlyMemory<byte> Heartbeat = ": heartbeat\n\n"u8.ToArray();

    private readonly HttpContext _http;
    private readonly IRoomSubscription _subscription;
    private readonly ResumePosition? _from;
    private readonly CallAccess? _access;
    private readonly Action? _release;
    private readonly RoomEventStreamSettings _settings;
    private readonly ITimer _writeTimer;
    private Task? _heartbeat;
    private long _lastSequence;
    private int _disposed;

    public RoomEventStream(HttpContext http, IRoomSubscription subscription, ResumePosition? from, CallAccess? access, Action? release, RoomEventStreamSettings settings)
    {
        _http = http;
        _subscription = subscription;
        _from = from;
        _access = access;
        _release = release;
        _settings = settings;
        _writeTimer = settings.Time.CreateTimer(static state => ((RoomEventStream)state!).WriteTimedOut(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// The stream: first <c>event: epoch</c>, whose id is where the stream starts (so a client that reconnects before
    /// any event resumes there and misses nothing) and whose <c>reset</c> says the room's epoch is not the one the
    /// client resumed in; then the room's events, each with the id <c>epoch:sequence</c>.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> ReadAsync([EnumeratorCancellation] CancellationToken aborted = default)
    {
        var stopping = _settings.Stopping;
        using var call = _access is { Expired.CanBeCanceled: true }
            ? CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping, _access.Expired)
            : CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        try
        {
            var (after, reset) = Start();
            _lastSequence = after;
            WebLog.EventStreamStarted(_settings.Logger, _subscription.Room, _subscription.Epoch, after);
            Arm();
            yield return new SseItem<string>(EventStreamJson.Epoch(_subscription.Room, _subscription.Epoch, after, reset), "epoch")
            {
                EventId = ResumePosition.Id(_subscription.Epoch, after),
            };
            Disarm();

            while (true)
            {
                RoomEvent? item;
                SseItem<string>? end = null;
                try
                {
                    item = await NextAsync(call.Token, aborted);
                }
                catch (OperationCanceledException) when (aborted.IsCancellationRequested)
                {
                    // The client went away: nobody is left to tell.
                    yield break;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    item = null;
                    end = End("UNAVAILABLE", ShuttingDownMessage);
                }
                catch (OperationCanceledException) when (_access is { HasExpired: true })
                {
                    item = null;
                    end = End("UNAUTHENTICATED", string.Create(
                        CultureInfo.InvariantCulture,
                        $"token expired at {_access.Expires.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: the stream ended; reconnect with a fresh token (and Last-Event-ID to resume)"));
                }
                catch (SubscriberOverflowException overflow)
                {
                    item = null;
                    _settings.SlowSubscribers.Report(_subscription.Room);
                    end = End("RESOURCE_EXHAUSTED", $"{overflow.Message} (Hub:SubscriberBufferCapacity); reconnect with Last-Event-ID {ResumePosition.Id(_subscription.Epoch, _lastSequence)} to resume");
                }
                catch (HubUnavailableException unavailable)
                {
                    item = null;
                    end = End("UNAVAILABLE", unavailable.Message);
                }

                if (end is { } last)
                {
                    Arm();
                    yield return last;
                    Disarm();
                    yield break;
                }

                if (item is null)
                {
                    yield break;
                }

                _lastSequence = item.Sequence;
                Arm();
                yield return new SseItem<string>(EventStreamJson.Event(item)) { EventId = ResumePosition.Id(item.Epoch, item.Sequence) };
                Disarm();
            }
        }
        finally
        {
            await call.CancelAsync();
            await DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _writeTimer.DisposeAsync();
        try
        {
            await _subscription.DisposeAsync();
        }
        finally
        {
            _release?.Invoke();
            _access?.Dispose();
        }
    }

    /// <summary>
    /// Where this stream's events follow on: the position the client resumes from, in the room's epoch, or 0 of it
    /// when the client's epoch is another one (its whole retained history is replayed, and <c>reset</c> says so).
    /// Never past where the subscription went live, so that every event after the position reaches this stream.
    /// </summary>
    private (long After, bool Reset) Start()
    {
        if (_from is not { } from || (from.Epoch.Length == 0 && from.AfterSequence == 0))
        {
            return (_subscription.StartSequence, false);
        }

        if (from.Epoch.Length > 0 && !string.Equals(from.Epoch, _subscription.Epoch, StringComparison.Ordinal))
        {
            return (0, true);
        }

        return (Math.Min(from.AfterSequence, _subscription.StartSequence), false);
    }

    private async ValueTask<RoomEvent?> NextAsync(CancellationToken call, CancellationToken aborted)
    {
        var events = _subscription.Events;
        while (true)
        {
            // Checked before each event, not only when waiting: a stream that always has an event waiting still ends.
            call.ThrowIfCancellationRequested();
            if (events.TryRead(out var item))
            {
                return item;
            }

            var waiting = events.WaitToReadAsync(call);
            var more = waiting.IsCompletedSuccessfully ? waiting.Result : await WaitWithHeartbeatsAsync(waiting.AsTask(), call, aborted);
            if (!more)
            {
                return null;
            }
        }
    }

    private async Task<bool> WaitWithHeartbeatsAsync(Task<bool> waiting, CancellationToken call, CancellationToken aborted)
    {
        while (true)
        {
            _heartbeat ??= Task.Delay(_settings.HeartbeatInterval, _settings.Time, call);
            if (await Task.WhenAny(waiting, _heartbeat) == waiting)
            {
                return await waiting;
            }

            _heartbeat = null;
            call.ThrowIfCancellationRequested();
            Arm();
            try
            {
                // Only the client's going away cuts a write short, never shutdown: the stream's last event follows it.
                await _http.Response.Body.WriteAsync(Heartbeat, aborted);
            }
            finally
            {
                Disarm();
            }
        }
    }

    private SseItem<string> End(string code, string message)
    {
        WebLog.EventStreamEnded(_settings.Logger, _subscription.Room, code, message);
        return new SseItem<string>(EventStreamJson.Error(code, message), "error");
    }

    private void Arm() => _writeTimer.Change(_settings.Stopping.IsCancellationRequested ? ResponseWriter.StoppingGrace : _settings.WriteTimeout, Timeout.InfiniteTimeSpan);

    private void Disarm() => _writeTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void WriteTimedOut()
    {
        WebLog.WriteTimedOut(_settings.Logger, _subscription.Room, _lastSequence);
        _http.Abort();
    }
}
