using System.CommandLine;
using Grpc.Core;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// Runs a command's body and turns every failure into one line on standard error and its exit code: no stack traces.
/// </summary>
internal static class CommandRunner
{
    public delegate Task<ExitCode> Body(ParseResult parsed, ClientContext context, CancellationToken cancellationToken);

    public static void SetBody(this Command command, Body body) =>
        command.SetAction((parsed, cancellationToken) => RunAsync(parsed, body, cancellationToken));

    private static async Task<int> RunAsync(ParseResult parsed, Body body, CancellationToken cancellationToken)
    {
        var context = CommonOptions.Bind(parsed);
        try
        {
            var security = CommonOptions.BindSecurity(parsed);
            if (security.ProblemWith(context.Addresses) is { } problem)
            {
                return Fail(context, problem, ExitCode.Usage);
            }

            GreeterChannel.Security = security;
        }
        catch (ArgumentException error)
        {
            return Fail(context, error.Message, ExitCode.Usage);
        }

        try
        {
            return (int)await body(parsed, context, cancellationToken);
        }
        catch (RpcException error) when (error.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            return (int)ExitCode.Interrupted;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (int)ExitCode.Interrupted;
        }
        catch (RpcException error)
        {
            return Fail(context, RpcFailure.Describe(error, context.Addresses), RpcFailure.ExitCodeOf(error));
        }
        catch (Exception error) when (error is IOException or InvalidOperationException or UnauthorizedAccessException)
        {
            return Fail(context, error.Message, ExitCode.Other);
        }
    }

    private static int Fail(ClientContext context, string message, ExitCode code)
    {
        // The message may quote the server (a status detail, a refused name): one line, nothing for the terminal to act on.
        context.Error.WriteLine("error: " + TerminalText.Escape(message));
        context.Error.Flush();
        return (int)code;
    }
}
