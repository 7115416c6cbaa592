using System.CommandLine;
using StreamingGreeter.Client;
using StreamingGreeter.Client.Commands;

var root = GreeterCommandLine.Build();
var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    UsageErrors.Write(parsed, Console.Error);
    return (int)ExitCode.Usage;
}

var invocation = new InvocationConfiguration
{
    // Failures are reported by CommandRunner in one line each; never a stack trace.
    EnableDefaultExceptionHandler = false,
    // Ctrl+C cancels the command's token; chat and subscribe then leave cleanly within this time.
    ProcessTerminationTimeout = TimeSpan.FromSeconds(5),
};
return await parsed.InvokeAsync(invocation);
