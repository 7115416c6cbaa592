using System.Diagnostics;
using Grpc.Core;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// One chat member's calls: each attempt joins (resuming after the last event printed), then sends the lines entered
/// while printing the room's events, until the input ends and the server confirms with LEFT, or the call breaks.
/// </summary>
/// <remarks>
/// No line is lost or doubled across attempts: a line stays in <see cref="PendingLines"/> until its own echo comes
/// back. A new attempt's replay confirms what the last one got published; once this attempt's own JOINED arrives,
/// which follows the replay, whatever is still unconfirmed is sent again, in order, before any new line.
/// </remarks>
internal sealed class ChatSession(string room, string sender, IChatConsole console, RoomEventPrinter printer, TimeSpan leaveTimeout, TextWriter status)
{
    private readonly PendingLines _pending = new(sender);

    public async Task RunOnceAsync(Greeter.GreeterClient client, Action answered, CancellationToken cancellationToken)
    {
        // Not linked to cancellationToken: Ctrl+C leaves by half-closing, and only a call that does not end is cancelled.
        using var callCancellation = new CancellationTokenSource();
        using var call = client.Chat(cancellationToken: callCancellation.Token);
        try
        {
            await call.RequestStream.WriteAsync(new ChatMessage
            {
                Room = room,
                Sender = sender,
                AfterSequence = printer.Sequence.LastSequence,
                Epoch = printer.Sequence.Epoch,
            }, CancellationToken.None);
        }
        catch (Exception error) when (error is not RpcException)
        {
            // A call that fails to start (say, a proxy whose server is gone closes the connection before HTTP/2 is
            // agreed) can fail this write with the transport's exception before the call has its status. The status
            // is what tells a transient failure from a fatal one, so report that.
            await call.ResponseHeadersAsync;
            throw;
        }

        var joined = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiving = ReceiveAsync(call.ResponseStream, answered, joined);
        using var stopSending = new CancellationTokenSource();
        // After Ctrl+C the user is leaving: waiting for the join, the echoes and LEFT together takes leaveTimeout at most.
        var leaveBy = long.MaxValue;
        using var leaving = cancellationToken.Register(() =>
        {
            leaveBy = Stopwatch.GetTimestamp() + (long)(leaveTimeout.TotalSeconds * Stopwatch.Frequency);
            stopSending.CancelAfter(leaveTimeout);
        });
        var sending = SendAsync(call.RequestStream, joined.Task, stopSending.Token);
        if (await Task.WhenAny(receiving, sending) == receiving)
        {
            // The server ended the call (or it broke) first: stop sending and report how receiving ended.
            await stopSending.CancelAsync();
            await Quietly(sending);
            await receiving;
            return;
        }

        if (sending.IsCanceled)
        {
            // Ctrl+C, and the server did not answer in time: leave without it; nothing more can be confirmed.
            await callCancellation.CancelAsync();
            await Quietly(receiving);
            var unconfirmed = _pending.Count;
            status.WriteLine(unconfirmed == 0
                ? "greeter: left without the server's confirmation"
                : $"greeter: left with {unconfirmed} line(s) the room has not echoed back; they may not have arrived");
            return;
        }

        if (!sending.IsCompletedSuccessfully)
        {
            // A write failed because the call broke; receiving tells how.
            await receiving;
            await sending;
            return;
        }

        // Input ended and the call is half-closed: the server answers with our LEFT and ends the call.
        var leftWait = Volatile.Read(ref leaveBy) == long.MaxValue ? leaveTimeout : Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), Volatile.Read(ref leaveBy));
        if (await Task.WhenAny(receiving, Task.Delay(leftWait > TimeSpan.Zero ? leftWait : TimeSpan.Zero, CancellationToken.None)) != receiving)
        {
            await callCancellation.CancelAsync();
            await Quietly(receiving);
            status.WriteLine("greeter: left without the server's confirmation");
            return;
        }

        await receiving;
    }

    private async Task ReceiveAsync(IAsyncStreamReader<ChatEvent> events, Action answered, TaskCompletionSource joined)
    {
        while (await events.MoveNext(CancellationToken.None))
        {
            answered();
            var item = events.Current;
            // An event printed before (a replayed duplicate) confirmed its line, if any, the first time.
            if (!printer.Print(item))
            {
                continue;
            }

            // An own JOINED in the replay is an earlier attempt's whose JOINED never arrived; that attempt wrote
            // nothing, so none of this member's messages can follow it, and taking it for this attempt's is harmless.
            if (_pending.IsOwnJoined(item))
            {
                joined.TrySetResult();
            }
            else
            {
                _pending.Confirm(item);
            }
        }
    }

    private async Task SendAsync(IClientStreamWriter<ChatMessage> requests, Task joined, CancellationToken cancellationToken)
    {
        // Nothing is written before the replay is through: until then a line's echo may still be on its way.
        await joined.WaitAsync(cancellationToken);
        foreach (var message in _pending.Unconfirmed())
        {
            await requests.WriteAsync(message, cancellationToken);
        }

        var lines = console.Lines;
        while (await lines.WaitToReadAsync(cancellationToken))
        {
            // Pending before the write: if the write fails or its bytes die with the connection, the next call sends it.
            while (lines.TryRead(out var line))
            {
                await requests.WriteAsync(_pending.Add(line), cancellationToken);
            }
        }

        // Half-close only once every line came back: should the call break before, the next one sends them again.
        await _pending.AllConfirmedAsync().WaitAsync(cancellationToken);
        await requests.CompleteAsync();
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception error) when (error is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // Already accounted for by the other side of the call.
        }
    }
}
