using System.Text.RegularExpressions;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>Two chat processes talking through redirected standard input and output.</summary>
public sealed partial class ChatTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Chat_TwoMembers_TalkAndLeaveCleanly()
    {
        var room = Rooms.Unique();
        var address = fixture.Server.Address;
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", address]);
        await ann.Output.WaitForLineAsync("* ann joined");
        await using var bob = GreeterCli.Start(["chat", "--room", room, "--name", "bob", "--address", address]);
        await bob.Output.WaitForLineAsync("* bob joined");
        await ann.Output.WaitForLineAsync("* bob joined");

        await ann.Input.WriteLineAsync("hi bob").DefaultTimeout();
        await ann.Input.FlushAsync().DefaultTimeout();
        await bob.Output.WaitForAsync(line => Message("ann", "hi bob").IsMatch(line), "ann's message");
        await bob.Input.WriteLineAsync("hi ann").DefaultTimeout();
        await bob.Input.FlushAsync().DefaultTimeout();
        await ann.Output.WaitForAsync(line => Message("bob", "hi ann").IsMatch(line), "bob's message");

        // End of input: bob half-closes, sees his own LEFT last, and exits 0; ann sees him leave.
        bob.Input.Close();
        Assert.Equal(0, await bob.WaitForExitAsync());
        Assert.Equal("* bob left", bob.Output.Lines[^1]);
        await ann.Output.WaitForLineAsync("* bob left");

        // Ctrl+C: ann leaves the same way.
        ann.Signal(Signals.Interrupt);
        Assert.Equal(0, await ann.WaitForExitAsync());
        Assert.Equal("* ann left", ann.Output.Lines[^1]);

        // Each saw every event once: own messages come back as the room's events, nothing doubled.
        Assert.Equal(ann.Output.Lines.Count, ann.Output.Lines.Distinct().Count());
        Assert.Equal(bob.Output.Lines.Count, bob.Output.Lines.Distinct().Count());
        Assert.Contains(ann.Output.Lines, line => Message("ann", "hi bob").IsMatch(line));
        Assert.Contains(bob.Output.Lines, line => Message("bob", "hi ann").IsMatch(line));
        Assert.Empty(ann.Error.Lines);
        Assert.Empty(bob.Error.Lines);
    }

    [Fact]
    public async Task Chat_InputPipedAtOnce_SendsAllThenLeaves()
    {
        var room = Rooms.Unique();

        var result = await GreeterCli.RunAsync(["chat", "--room", room, "--name", "cy", "--address", fixture.Server.Address], "one\ntwo\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("* cy joined", result.Output[0]);
        Assert.Matches(Message("cy", "one"), result.Output[1]);
        Assert.Matches(Message("cy", "two"), result.Output[2]);
        Assert.Equal("* cy left", result.Output[3]);
        Assert.Equal(4, result.Output.Count);
    }

    [Fact]
    public async Task Chat_EventForgingALine_PrintsOneLineWithTheEscapesVisible()
    {
        var room = Rooms.Unique();
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", fixture.Server.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");

        await fixture.Server.PublishAsync(room, "bob", "hi\n12:00:00 admin: pwned\u001b[2J\u202e");
        await ann.Output.WaitForAsync(line => line.Contains("pwned", StringComparison.Ordinal), "bob's message");
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        Assert.Equal(3, ann.Output.Lines.Count);
        Assert.Matches(Message("bob", @"hi\n12:00:00 admin: pwned\x1b[2J\u202e"), ann.Output.Lines[1]);
        Assert.Equal("* ann left", ann.Output.Lines[2]);
    }

    private static Regex Message(string sender, string text) => new($@"^\d\d:\d\d:\d\d {Regex.Escape(sender)}: {Regex.Escape(text)}$");
}
