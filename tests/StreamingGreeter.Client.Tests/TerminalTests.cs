using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// The client at a terminal: run under util-linux <c>script</c>, which gives it a pseudo-terminal for standard input,
/// output and error.
/// </summary>
public sealed class TerminalTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string ClearLine = "\r\u001b[K";

    [Fact]
    public async Task Stream_AtATerminal_ShowsProgressOnStandardError()
    {
        await using var terminal = AtTerminal(["stream", "Ann", "--count", "5", "--address", fixture.Server.Address]);

        Assert.Equal(0, await terminal.WaitForExitAsync());
        Assert.Contains(ClearLine + "received 1 of 5", terminal.Output.Raw, StringComparison.Ordinal);
        Assert.Contains("Hello, Ann (5 of 5)", terminal.Output.Raw, StringComparison.Ordinal);
        // The progress line is removed at the end.
        Assert.EndsWith(ClearLine, terminal.Output.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_AtATerminal_RedrawsTheLineBeingTyped()
    {
        var room = Rooms.Unique();
        await using var terminal = AtTerminal(["chat", "--room", room, "--name", "zed", "--address", fixture.Server.Address]);
        var joined = await terminal.Output.WaitForTextAsync("* zed joined\r\n> ");

        // Half a line typed, then somebody else speaks: the event is printed above, the half line drawn again.
        await Type(terminal, "par");
        var typed = await terminal.Output.WaitForTextAsync("par", joined);
        await fixture.Server.PublishAsync(room, "bob", "yo");
        var redrawn = await terminal.Output.WaitForTextAsync(" bob: yo\r\n> par", typed);
        Assert.Contains(ClearLine, terminal.Output.Raw[typed..redrawn], StringComparison.Ordinal);

        await Type(terminal, "tial\r");
        await terminal.Output.WaitForTextAsync(" zed: partial\r\n> ", redrawn);
        await Type(terminal, "\u0004");

        Assert.Equal(0, await terminal.WaitForExitAsync());
        Assert.Contains("* zed left", terminal.Output.Raw, StringComparison.Ordinal);
    }

    private static ChildProcess AtTerminal(IEnumerable<string> arguments)
    {
        if (!File.Exists("/usr/bin/script"))
        {
            throw new InvalidOperationException("these tests need /usr/bin/script: sudo apt-get install bsdutils");
        }

        var command = string.Join(' ', new[] { "dotnet", ProgramPaths.Client }.Concat(arguments).Select(Quote));
        return ChildProcess.Start("/usr/bin/script", ["--quiet", "--return", "--flush", "--command", command, "/dev/null"]);
    }

    private static async Task Type(ChildProcess terminal, string keys)
    {
        await terminal.Input.WriteAsync(keys).DefaultTimeout();
        await terminal.Input.FlushAsync().DefaultTimeout();
    }

    private static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
