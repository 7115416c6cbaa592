using System.Text.RegularExpressions;

namespace StreamingGreeter.Tests;

/// <summary>
/// What a server process logged at Error or Fatal: Serilog's console lines marked ERR or FTL (the shipped output
/// template and the start-up logger's both put the level there), and anything on standard error.
/// </summary>
public static partial class ServerErrors
{
    public static IReadOnlyList<string> Of(ChildProcess process) =>
        [.. process.Output.Lines.Where(static line => ErrorLine().IsMatch(line)), .. process.Error.Lines.Where(static line => line.Length > 0)];

    /// <summary>
    /// Fails when the server logged at Error or Fatal, except lines containing one of <paramref name="expected"/>: a
    /// client going away, a refused call or a shutdown is never one. Call it once the process has exited to see it all.
    /// </summary>
    public static void AssertNone(ChildProcess process, params string[] expected)
    {
        var unexpected = Of(process).Where(line => !expected.Any(e => line.Contains(e, StringComparison.Ordinal))).ToList();
        if (unexpected.Count > 0)
        {
            throw new InvalidOperationException(
                $"The server logged {unexpected.Count} line(s) at Error or above that the test did not expect:\n{string.Join('\n', unexpected)}\n{process.Transcript}");
        }
    }

    // "[12:34:56 ERR] Grpc.AspNetCore.Server.ServerCallHandler: Error when executing service method ...".
    [GeneratedRegex(@"^\[[^\]]* (ERR|FTL)\] ")]
    private static partial Regex ErrorLine();
}
