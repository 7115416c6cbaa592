using Grpc.Core;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// One chat member's calls: each attempt joins (resuming after the last event printed), then sends the lines entered
/// while printing the room's events, until the input ends and the server confirms with LEFT, or the call breaks.
/// </summary>
internal sealed class ChatSession(string room, string sender, IChatConsole console, RoomEventPrinter printer, TimeSpan leaveTimeout, TextWriter status)
{
    public async Task RunOnceAsync(Greeter.GreeterClient client, Action answered, CancellationToken cancellationToken)
    {
        // Not linked to cancellationToken: Ctrl+C leaves by half-closing, and only a call that does not end is cancelled.
        using var callCancellation = new CancellationTokenSource();
        using var call = client.Chat(cancellationToken: callCancellation.Token);
        await call.RequestStream.WriteAsync(new ChatMessage
        {
            Room = room,
            Sender = sender,
            AfterSequence = printer.Sequence.LastSequence,
            Epoch = printer.Sequence.Epoch,
        }, CancellationToken.None);

        var receiving = ReceiveAsync(call.ResponseStream, answered);
        using var stopSending = new CancellationTokenSource();
        var sending = SendAsync(call.RequestStream, stopSending.Token);
        if (await Task.WhenAny(receiving, sending) == receiving)
        {
            // The server ended the call (or it broke) first: stop sending and report how receiving ended.
            await stopSending.CancelAsync();
            await Quietly(sending);
            await receiving;
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
        if (await Task.WhenAny(receiving, Task.Delay(leaveTimeout, CancellationToken.None)) != receiving)
        {
            await callCancellation.CancelAsync();
            await Quietly(receiving);
            status.WriteLine("greeter: left without the server's confirmation");
            return;
        }

        await receiving;
    }

    private async Task ReceiveAsync(IAsyncStreamReader<ChatEvent> events, Action answered)
    {
        while (await events.MoveNext(CancellationToken.None))
        {
            answered();
            printer.Print(events.Current);
        }
    }

    private async Task SendAsync(IClientStreamWriter<ChatMessage> requests, CancellationToken cancellationToken)
    {
        var lines = console.Lines;
        while (await lines.WaitToReadAsync(cancellationToken))
        {
            // Peek, write, then take: a line whose write failed is sent again on the next call.
            while (lines.TryPeek(out var line))
            {
                await requests.WriteAsync(new ChatMessage { Text = line }, cancellationToken);
                lines.TryRead(out _);
            }
        }

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
