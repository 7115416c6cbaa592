namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>Runs the console client under test, <c>greeter</c>, as a process of its own.</summary>
public static class GreeterCli
{
    public static ChildProcess Start(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?>? environment = null) =>
        ChildProcess.Start(ProgramPaths.Dotnet, [ProgramPaths.Client, .. arguments], environment);

    /// <summary>Runs to the end with the given standard input; returns the exit code and what was printed.</summary>
    public static async Task<Result> RunAsync(IEnumerable<string> arguments, string? input = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        await using var process = Start(arguments, environment);
        if (input is not null)
        {
            await process.Input.WriteAsync(input).DefaultTimeout();
        }

        process.Input.Close();
        var exitCode = await process.WaitForExitAsync();
        return new Result(exitCode, process.Output.Lines, process.Error.Lines);
    }

    public sealed record Result(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Error)
    {
        public override string ToString() =>
            $"exit {ExitCode}\n--- stdout\n{string.Join('\n', Output)}\n--- stderr\n{string.Join('\n', Error)}";
    }
}
