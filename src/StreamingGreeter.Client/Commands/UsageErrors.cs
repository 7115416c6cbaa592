using System.CommandLine;

namespace StreamingGreeter.Client.Commands;

/// <summary>How a wrong command line is reported: the first problem in one line, and where to read more.</summary>
internal static class UsageErrors
{
    public static void Write(ParseResult parsed, TextWriter error)
    {
        // An unknown token explains the other errors (a misspelt option leaves a required one missing): name it first.
        var first = parsed.UnmatchedTokens.Count > 0
            ? parsed.Errors.FirstOrDefault(e => e.Message.Contains(parsed.UnmatchedTokens[0], StringComparison.Ordinal)) ?? parsed.Errors[0]
            : parsed.Errors[0];
        error.WriteLine("error: " + first.Message);
        var path = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            path.Insert(0, result.Command.Name);
        }

        error.WriteLine($"Try '{string.Join(' ', path)} --help'.");
        error.Flush();
    }
}
