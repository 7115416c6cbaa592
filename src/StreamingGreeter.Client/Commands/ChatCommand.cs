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
    private static readonly Option<string> Name = RoomOptions.Name("Who you are in the room", required: true);

    public static Command Create()
    {
        var command = new Command("chat", "Join a room and talk (bidirectional Chat); end of input or Ctrl+C leaves")
        {
            Room,
            Name,
        };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        using IChatConsole console = Console.IsInputRedirected
            ? new RedirectedChatConsole(Console.In, context.Out)
            : new TerminalChatConsole(context.Out);
        var session = new ChatSession(parsed.GetRequiredValue(Room), parsed.GetRequiredValue(Name), console, new RoomEventPrinter(new EventSequence(), context.Format, console), LeaveTimeout, context.Error);

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
