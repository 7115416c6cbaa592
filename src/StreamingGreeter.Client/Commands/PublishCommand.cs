using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary><c>greeter publish --room R [TEXT]</c>: Publish, unary; with no TEXT, one publish per line of standard input.</summary>
/// <remarks>
/// Each message has a message id of its own. A publish that failed for want of a connection or a backplane may have
/// been published all the same (its reply was lost, or Redis applied it and the answer timed out), so it is sent again,
/// with the same id, until it is answered: the server publishes an id once and answers a retry with the original's
/// sequence. Until a server has answered once, failing to reach one is an error, as for every command.
/// </remarks>
internal static class PublishCommand
{
    /// <summary>How long a message is retried without --timeout, from its first failure.</summary>
    private static readonly TimeSpan DefaultRetryFor = TimeSpan.FromSeconds(30);

    private static readonly Option<string> Room = RoomOptions.Room();
    private static readonly Option<string> Sender = RoomOptions.Name("Who the message is from (optional)", required: false);

    private static readonly Argument<string[]> Text = new("TEXT")
    {
        Description = "The message (several words are joined with spaces); with none, one message per line of standard input",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Command Create()
    {
        var command = new Command("publish", "Add a message to a room (unary Publish) and print its sequence and epoch")
        {
            Room,
            Sender,
            Text,
        };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var room = parsed.GetRequiredValue(Room);
        var sender = parsed.GetValue(Sender) ?? "";
        var words = parsed.GetValue(Text) ?? [];
        using var channel = GreeterChannel.Open(context.Addresses);
        var client = GreeterChannel.Client(channel);
        var backoff = Backoff.Default();
        var answered = false;

        async Task PublishAsync(string text)
        {
            var request = new PublishRequest { Room = room, Sender = sender, Text = text, MessageId = MessageIds.New() };
            var failures = 0;
            var failedAt = 0L;
            while (true)
            {
                try
                {
                    var reply = await client.PublishAsync(request, deadline: context.Deadline(), cancellationToken: cancellationToken);
                    answered = true;
                    context.Out.WriteLine(context.Format.Reply(reply));
                    context.Out.Flush();
                    return;
                }
                catch (RpcException error) when (!cancellationToken.IsCancellationRequested && MayHaveBeenLost(error)
                    && (answered || !RpcFailure.IsConnectFailure(error)))
                {
                    if (failures == 0)
                    {
                        failedAt = Stopwatch.GetTimestamp();
                    }
                    else if (Stopwatch.GetElapsedTime(failedAt) >= (context.Timeout ?? DefaultRetryFor))
                    {
                        throw;
                    }

                    var delay = backoff.Delay(failures++);
                    context.Error.WriteLine(TerminalText.Escape(string.Create(CultureInfo.InvariantCulture,
                        $"greeter: publish failed ({RpcFailure.Reason(error, context.Addresses)}); sending it again in {delay.TotalSeconds:0.0} s, with the same message id")));
                    context.Error.Flush();
                    await Task.Delay(delay, cancellationToken);
                }
            }
        }

        if (words.Length > 0)
        {
            await PublishAsync(string.Join(' ', words));
            return ExitCode.Ok;
        }

        await foreach (var line in StandardInput.ReadLinesAsync(cancellationToken))
        {
            if (line.Length > 0)
            {
                await PublishAsync(line);
            }
        }

        return ExitCode.Ok;
    }

    /// <summary>
    /// True when the publish may or may not have happened and asking again is safe: the server or its backplane was
    /// unavailable, or the connection broke (a status the client made up, not one the server sent).
    /// </summary>
    private static bool MayHaveBeenLost(RpcException error) =>
        error.StatusCode == StatusCode.Unavailable || (error.StatusCode == StatusCode.Internal && !RpcFailure.IsServerAnswer(error));
}
