using System.CommandLine;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary><c>greeter hello NAME</c>: SayHello, unary.</summary>
internal static class HelloCommand
{
    private static readonly Argument<string> Name = new("NAME") { Description = "Who to greet" };

    public static Command Create()
    {
        var command = new Command("hello", "Say hello once (unary SayHello) and print the reply") { Name };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        using var channel = GreeterChannel.Open(context.Addresses);
        var reply = await GreeterChannel.Client(channel).SayHelloAsync(
            new HelloRequest { Name = parsed.GetRequiredValue(Name) }, deadline: context.Deadline(), cancellationToken: cancellationToken);
        context.Out.WriteLine(context.Format.Reply(reply));
        return ExitCode.Ok;
    }
}
