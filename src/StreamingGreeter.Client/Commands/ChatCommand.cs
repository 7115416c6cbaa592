using System.CommandLine;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Input;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter chat --room R --name N</c>: Chat, bidirectional. Lines entered are sent, the room's events printed as
/// they arrive; the end of input or Ctrl+C half-closes, so the room sees LEFT. Survives restarts by resuming.
/// </summary>
internal static class ChatCommand
{
    /// <summary>How long leaving waits for the server to confirm with this member's own LEFT.</summary>
    private static readonly TimeSpan LeaveTimeout = TimeSpan.FromSeconds(3);

    private static readonly Option<string> Room = RoomOptions.Room();
    private static readonly Option<string> Name = RoomOptions.Name("Who you are in the room (with a token: default and only choice, its name)", required: false);

    public static Command Create()
    {
        var command = new Command("chat", "Join a room and talk (bidirectional Chat); end of input or Ctrl+C leaves")
        {
            Room,
            Name,
        };
        command.Validators.Add(result =>
        {
            if (result.GetResult(Name) is null && CommonOptions.TokenFrom(result.GetValue(CommonOptions.Token)) is null)
            {
                result.AddError("Option '--name' is required (or a token, whose name is used).");
            }
        });
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        // The name the server publishes this member's lines under, which is how they are recognised when they come
        // back: with a token that is the token's identity, and --name may only repeat it.
        var given = parsed.GetValue(Name);
        var name = string.IsNullOrEmpty(given) && GreeterChannel.Security.Token is { } token ? TokenIdentity.Of(token) : given;
        if (name is null)
        {
            context.Error.WriteLine("error: chat needs --name, or a token that names its owner (a name or sub claim)");
            return ExitCode.Usage;
        }

        using IChatConsole console = Console.IsInputRedirected
            ? new RedirectedChatConsole(Console.In, context.Out)
            : new TerminalChatConsole(context.Out);
        var session = new ChatSession(parsed.GetRequiredValue(Room), name, console, new RoomEventPrinter(new EventSequence(), context.Format, console), LeaveTimeout, context.Error);

        // Ctrl+C ends input; what was entered is still sent and the call half-closes, so the room sees LEFT.
        using var leaveOnCancel = cancellationToken.Register(console.EndInput);
        console.Start();
        var reconnector = new Reconnector(context.Addresses, context.Timeout, Backoff.Default(), context.Error);
        try
        {
            await reconnector.RunAsync(session.RunOnceAsync, cancellationToken);
        }
        catch (Exception error) when (cancellationToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Ctrl+C while reconnecting: there is no call to leave.
        }

        return ExitCode.Ok;
    }
}
