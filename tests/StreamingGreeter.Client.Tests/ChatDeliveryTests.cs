using System.Text;
using System.Text.RegularExpressions;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// chat across a broken connection: a line counts as sent only when the room echoes it, so one written into a dead
/// connection is sent again after reconnecting, and one the server did publish is not sent twice. A second client,
/// subscribed straight to the server, shows what the room really got.
/// </summary>
public sealed partial class ChatDeliveryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Chat_LineWrittenIntoFrozenConnection_ArrivesOnceAfterReconnecting()
    {
        var room = Rooms.Unique();
        await using var proxy = new TcpProxy(fixture.Server.Port);
        await using var ann = await StartChatAsync(room, proxy);
        await using var watcher = StartWatcher(room);

        proxy.Freeze();
        await ann.Input.WriteLineAsync("into the void").DefaultTimeout();
        // The line left the client and will never reach the server.
        await proxy.WaitForSwallowedBytesToServerAsync(DataFrameBytes("into the void")).DefaultTimeout();
        await ReconnectAsync(ann, proxy);
        await ann.Input.WriteLineAsync("after").DefaultTimeout();
        await watcher.Output.WaitForAsync(Message("ann", "after"), "ann's line after reconnecting");
        await ann.Output.WaitForAsync(Message("ann", "after"), "the echo of ann's line after reconnecting");
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        AssertMessages(watcher, ["into the void", "after"]);
        AssertMessages(ann, ["into the void", "after"]);
    }

    [Fact]
    public async Task Chat_LinePublishedButEchoLost_IsNotSentAgain()
    {
        var room = Rooms.Unique();
        await using var proxy = new TcpProxy(fixture.Server.Port);
        await using var ann = await StartChatAsync(room, proxy);
        await using var watcher = StartWatcher(room);

        // The server hears ann and publishes her line; its echo never reaches her.
        proxy.FreezeToClient();
        await ann.Input.WriteLineAsync("heard once").DefaultTimeout();
        await watcher.Output.WaitForAsync(Message("ann", "heard once"), "ann's line, published");
        await ReconnectAsync(ann, proxy);
        // Lines not confirmed would be sent again before this one.
        await ann.Input.WriteLineAsync("after").DefaultTimeout();
        await watcher.Output.WaitForAsync(Message("ann", "after"), "ann's line after reconnecting");
        await ann.Output.WaitForAsync(Message("ann", "after"), "the echo of ann's line after reconnecting");
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        AssertMessages(watcher, ["heard once", "after"]);
        AssertMessages(ann, ["heard once", "after"]);
    }

    [Fact]
    public async Task Chat_InputEndsWhileLineUnconfirmed_LeavesOnlyAfterTheLineArrives()
    {
        var room = Rooms.Unique();
        await using var proxy = new TcpProxy(fixture.Server.Port);
        await using var ann = await StartChatAsync(room, proxy);
        await using var watcher = StartWatcher(room);

        proxy.Freeze();
        await ann.Input.WriteLineAsync("last words").DefaultTimeout();
        ann.Input.Close();
        await proxy.WaitForSwallowedBytesToServerAsync(DataFrameBytes("last words")).DefaultTimeout();
        await ReconnectAsync(ann, proxy);

        Assert.Equal(0, await ann.WaitForExitAsync());
        var published = await watcher.Output.WaitForAsync(Message("ann", "last words"), "ann's last line");
        await watcher.Output.WaitForLineAsync("* ann left", start: published + 1);
        AssertMessages(watcher, ["last words"]);
        AssertMessages(ann, ["last words"]);
        Assert.Equal("* ann left", ann.Output.Lines[^1]);
        Assert.DoesNotContain(ann.Error.Lines, line => line.Contains("without the server's confirmation", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chat_CtrlCWhileLineUnconfirmed_LeavesAfterTheLeaveTimeSayingSo()
    {
        var room = Rooms.Unique();
        await using var proxy = new TcpProxy(fixture.Server.Port);
        await using var ann = await StartChatAsync(room, proxy);

        proxy.Freeze();
        await ann.Input.WriteLineAsync("unheard").DefaultTimeout();
        await proxy.WaitForSwallowedBytesToServerAsync(DataFrameBytes("unheard")).DefaultTimeout();
        ann.Signal(Signals.Interrupt);

        Assert.Equal(0, await ann.WaitForExitAsync());
        Assert.Contains("greeter: left with 1 line(s) the room has not echoed back; they may not have arrived", ann.Error.Lines);
    }

    [Fact]
    public async Task Chat_ProxyWhoseServerIsGone_KeepsRetryingUntilTheServerIsBack()
    {
        var room = Rooms.Unique();
        var first = await GreeterServer.StartAsync();
        var port = first.Port;
        // Unlike a cut, the proxy stays up: it accepts each connection and closes it when the server refuses it.
        await using var proxy = new TcpProxy(port);
        await using var ann = await StartChatAsync(room, proxy);

        await first.KillAsync();
        await first.DisposeAsync();
        var lost = await ann.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        await ann.Error.WaitForAsync(line => line.StartsWith("greeter: still no connection", StringComparison.Ordinal), "a failed attempt through the proxy", start: lost + 1);
        await ann.Error.WaitForAsync(line => line.StartsWith("greeter: still no connection", StringComparison.Ordinal), "a second failed attempt", start: ann.Error.Lines.Count);
        await using var second = await GreeterServer.StartAsync(port);
        await ann.Error.WaitForLineAsync("greeter: reconnected");
        await ann.Input.WriteLineAsync("back").DefaultTimeout();
        await ann.Output.WaitForAsync(Message("ann", "back"), "the echo after the server came back");
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
    }

    [Fact]
    public async Task Chat_LineLostAsTheServerRestartsWithoutTheRoom_SentAgainIntoTheNewHistory()
    {
        var room = Rooms.Unique();
        var first = await GreeterServer.StartAsync();
        var port = first.Port;
        await using var proxy = new TcpProxy(port);
        await using var ann = await StartChatAsync(room, proxy);

        proxy.Freeze();
        await ann.Input.WriteLineAsync("into the void").DefaultTimeout();
        await proxy.WaitForSwallowedBytesToServerAsync(DataFrameBytes("into the void")).DefaultTimeout();
        await first.KillAsync();
        await first.DisposeAsync();
        proxy.Cut();
        await ann.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        proxy.Restore();
        await using var second = await GreeterServer.StartAsync(port);
        await ann.Error.WaitForLineAsync("greeter: reconnected");
        await ann.Input.WriteLineAsync("after").DefaultTimeout();
        await ann.Output.WaitForAsync(Message("ann", "after"), "the echo of ann's line after the restart");
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        Assert.Equal(["* ann joined", "! history restarted", "* ann joined"], ann.Output.Lines.Take(3));
        AssertMessages(ann, ["into the void", "after"]);
        Assert.Equal("* ann left", ann.Output.Lines[^1]);
    }

    private static async Task<ChildProcess> StartChatAsync(string room, TcpProxy proxy)
    {
        var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", proxy.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");
        return ann;
    }

    /// <summary>Everything after ann's first JOINED (sequence 1 of a new room), straight from the server.</summary>
    private ChildProcess StartWatcher(string room) =>
        GreeterCli.Start(["subscribe", "--room", room, "--from", "1", "--address", fixture.Server.Address]);

    /// <summary>Cuts the frozen connection and lets the client back in once it noticed.</summary>
    private static async Task ReconnectAsync(ChildProcess chat, TcpProxy proxy)
    {
        proxy.Cut();
        await chat.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        proxy.Restore();
        await chat.Error.WaitForLineAsync("greeter: reconnected");
    }

    /// <summary>
    /// The HTTP/2 DATA frame carrying one chat line: frame header, gRPC prefix, text (field 3) and the client's
    /// 32-character message id (field 6).
    /// </summary>
    private static int DataFrameBytes(string text) => 9 + 5 + 2 + Encoding.UTF8.GetByteCount(text) + 2 + 32;

    private static void AssertMessages(ChildProcess process, string[] expected)
    {
        var texts = process.Output.Lines
            .Select(line => MessageLine().Match(line))
            .Where(match => match.Success && match.Groups[1].Value == "ann")
            .Select(match => match.Groups[2].Value);
        Assert.True(expected.SequenceEqual(texts), $"expected ann's messages {string.Join(", ", expected)}\n--- stdout\n{process.Output.Text}\n--- stderr\n{process.Error.Text}");
    }

    private static Func<string, bool> Message(string sender, string text) =>
        line => MessageLine().Match(line) is { Success: true } match && match.Groups[1].Value == sender && match.Groups[2].Value == text;

    [GeneratedRegex(@"^\d\d:\d\d:\d\d ([^:]+): (.*)$")]
    private static partial Regex MessageLine();
}
