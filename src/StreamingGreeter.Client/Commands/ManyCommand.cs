using System.CommandLine;
using System.Globalization;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary><c>greeter many [NAME…]</c>: SayHelloToMany, client streaming; names from arguments or standard input.</summary>
internal static class ManyCommand
{
    private static readonly Argument<string[]> Names = new("NAME")
    {
        Description = "Who to greet; with none, one name per line of standard input (blank lines are skipped)",
        Arity = ArgumentArity.ZeroOrMore,
    };

    public static Command Create()
    {
        var command = new Command("many", "Send many names (client streaming SayHelloToMany) and print the one reply") { Names };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var names = parsed.GetValue(Names) ?? [];
        using var channel = GreeterChannel.Open(context.Addresses);
        using var call = GreeterChannel.Client(channel).SayHelloToMany(deadline: context.Deadline(), cancellationToken: cancellationToken);

        var progress = ProgressLine.ForConsole();
        var sent = 0;
        try
        {
            var source = names.Length > 0 ? names.ToAsyncEnumerable() : NonBlank(StandardInput.ReadLinesAsync(cancellationToken));
            await foreach (var name in source.WithCancellation(cancellationToken))
            {
                // Each name goes out as soon as it is read: a pipe of any length is never held in memory.
                await call.RequestStream.WriteAsync(new HelloRequest { Name = name }, cancellationToken);
                sent++;
                progress.Report(() => string.Create(CultureInfo.InvariantCulture, $"sent {sent:N0} names"));
            }

            await call.RequestStream.CompleteAsync();
            var reply = await call.ResponseAsync;
            progress.Clear();
            context.Out.WriteLine(context.Format.Reply(reply));
            return ExitCode.Ok;
        }
        finally
        {
            progress.Clear();
        }
    }

    private static async IAsyncEnumerable<string> NonBlank(IAsyncEnumerable<string> lines)
    {
        await foreach (var line in lines)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return line;
            }
        }
    }
}
