using System.CommandLine;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary><c>greeter publish --room R [TEXT]</c>: Publish, unary; with no TEXT, one publish per line of standard input.</summary>
internal static class PublishCommand
{
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

        async Task PublishAsync(string text)
        {
            var reply = await client.PublishAsync(
                new PublishRequest { Room = room, Sender = sender, Text = text }, deadline: context.Deadline(), cancellationToken: cancellationToken);
            context.Out.WriteLine(context.Format.Reply(reply));
            context.Out.Flush();
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
}
