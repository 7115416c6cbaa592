using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter subscribe --room R [--from SEQ] [--max N]</c>: Subscribe, server streaming, like <c>tail -f</c>; survives
/// restarts and dropped connections by resuming after the last event printed.
/// </summary>
internal static class SubscribeCommand
{
    private static readonly Option<string> Room = RoomOptions.Room();

    private static readonly Option<long> From = new("--from")
    {
        Description = "Replay the retained events after this sequence first (0: only new events)",
        HelpName = "SEQ",
        DefaultValueFactory = _ => 0,
        Validators = { result => NotNegative(result, result.GetValueOrDefault<long>(), "--from") },
    };

    private static readonly Option<int> Max = new("--max")
    {
        Description = "Stop after this many events (0: never)",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
        Validators = { result => NotNegative(result, result.GetValueOrDefault<int>(), "--max") },
    };

    public static Command Create()
    {
        var command = new Command("subscribe", "Print a room's events as they arrive (server streaming Subscribe), like tail -f")
        {
            Room,
            From,
            Max,
        };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var room = parsed.GetRequiredValue(Room);
        var max = parsed.GetValue(Max);
        var printer = new RoomEventPrinter(new EventSequence(parsed.GetValue(From)), context.Format, new WriterLineSink(context.Out));
        var printed = 0;
        var subscribed = false;

        async Task AttemptAsync(Greeter.GreeterClient client, Action answered, CancellationToken attemptCancellation)
        {
            var request = new SubscribeRequest
            {
                Room = room,
                AfterSequence = printer.Sequence.LastSequence,
                Epoch = printer.Sequence.Epoch,
                MaxEvents = max == 0 ? 0 : max - printed,
            };
            using var call = client.Subscribe(request, cancellationToken: attemptCancellation);
            // The server sends its headers as soon as the subscription is registered, before any event.
            var headers = await call.ResponseHeadersAsync;
            if (headers.GetValue(SubscribeHeaders.Epoch) is { Length: > 0 } epoch
                && long.TryParse(headers.GetValue(SubscribeHeaders.Sequence), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
            {
                printer.Sequence.StartAt(epoch, sequence);
            }

            if (!subscribed)
            {
                // A quiet room prints nothing for a long time; this says the subscription itself works.
                subscribed = true;
                await context.Error.WriteLineAsync($"greeter: subscribed to {room}");
            }

            answered();
            await foreach (var item in call.ResponseStream.ReadAllAsync(attemptCancellation))
            {
                if (printer.Print(item) && ++printed == max)
                {
                    return;
                }
            }
        }

        var reconnector = new Reconnector(context.Addresses, context.Timeout, Backoff.Default(), context.Error);
        try
        {
            await reconnector.RunAsync(AttemptAsync, cancellationToken);
        }
        catch (Exception error) when (cancellationToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Ctrl+C is how a subscription is meant to end.
        }

        return ExitCode.Ok;
    }

    private static void NotNegative(System.CommandLine.Parsing.OptionResult result, long value, string name)
    {
        if (value < 0)
        {
            result.AddError($"{name} must be 0 or more");
        }
    }
}
