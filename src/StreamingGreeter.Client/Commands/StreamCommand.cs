using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary><c>greeter stream NAME --count N [--interval MS]</c>: SayHelloStream, server streaming.</summary>
internal static class StreamCommand
{
    private static readonly Argument<string> Name = new("NAME") { Description = "Who to greet" };

    private static readonly Option<int> Count = new("--count", "-n")
    {
        Description = "How many greetings (1 to 100,000)",
        HelpName = "N",
        Required = true,
    };

    private static readonly Option<int> Interval = new("--interval")
    {
        Description = "Milliseconds between greetings (0: as fast as they are read)",
        HelpName = "MS",
        DefaultValueFactory = _ => 0,
    };

    public static Command Create()
    {
        var command = new Command("stream", "Receive N greetings (server streaming SayHelloStream), each printed as it arrives")
        {
            Name,
            Count,
            Interval,
        };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var count = parsed.GetValue(Count);
        var request = new HelloStreamRequest { Name = parsed.GetRequiredValue(Name), Count = count, IntervalMs = parsed.GetValue(Interval) };
        using var channel = GreeterChannel.Open(context.Addresses);
        using var call = GreeterChannel.Client(channel).SayHelloStream(request, deadline: context.Deadline(), cancellationToken: cancellationToken);

        var progress = ProgressLine.ForConsole();
        var clearBeforeOutput = !Console.IsOutputRedirected;
        var received = 0;
        try
        {
            await foreach (var reply in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                if (clearBeforeOutput)
                {
                    progress.Clear();
                }

                context.Out.WriteLine(context.Format.Reply(reply));
                received++;
                progress.Report(() => string.Create(CultureInfo.InvariantCulture, $"received {received:N0} of {count:N0}"));
            }
        }
        finally
        {
            progress.Clear();
        }

        return ExitCode.Ok;
    }
}
