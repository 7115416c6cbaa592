using System.Text.RegularExpressions;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>chat and subscribe across a server restart and a dropped connection: resume, no duplicate, visible notices.</summary>
public sealed class ResumeTests
{
    [Fact]
    public async Task Subscribe_ServerRestarts_ResumesAndSaysHistoryRestarted()
    {
        var room = Rooms.Unique();
        var first = await GreeterServer.StartAsync();
        var port = first.Port;
        await using var subscriber = await StartSubscriberAsync(first, room, first.Address);
        await first.PublishAsync(room, "ann", "m3");
        await subscriber.Output.WaitForAsync(Message("ann", "m3"), "m3");

        await first.StopAsync();
        await first.DisposeAsync();
        await subscriber.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        await using var second = await GreeterServer.StartAsync(port);
        await second.PublishAsync(room, "bob", "after");
        await subscriber.Output.WaitForAsync(Message("bob", "after"), "the event after the restart");
        await second.PublishAsync(room, "bob", "later");
        await subscriber.Output.WaitForAsync(Message("bob", "later"), "the next live event");

        AssertLines(subscriber, [Message("ann", "m2"), Message("ann", "m3"), Exactly("! history restarted"), Message("bob", "after"), Message("bob", "later")]);
        Assert.Contains(subscriber.Error.Lines, line => line == "greeter: reconnected");
    }

    [Fact]
    public async Task Subscribe_ConnectionDropped_ResumesWithNoDuplicateAndNoGap()
    {
        var room = Rooms.Unique();
        await using var server = await GreeterServer.StartAsync();
        await using var proxy = new TcpProxy(server.Port);
        await using var subscriber = await StartSubscriberAsync(server, room, proxy.Address);

        proxy.Cut();
        await subscriber.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        await server.PublishAsync(room, "ann", "m3");
        await server.PublishAsync(room, "ann", "m4");
        proxy.Restore();
        await subscriber.Output.WaitForAsync(Message("ann", "m4"), "the events published while cut off");
        await server.PublishAsync(room, "ann", "m5");
        await subscriber.Output.WaitForAsync(Message("ann", "m5"), "the next live event");

        AssertLines(subscriber, [Message("ann", "m2"), Message("ann", "m3"), Message("ann", "m4"), Message("ann", "m5")]);
    }

    [Fact]
    public async Task Subscribe_ConnectionDroppedBeforeAnyEvent_GetsWhatWasPublishedMeanwhile()
    {
        var room = Rooms.Unique();
        await using var server = await GreeterServer.StartAsync();
        await server.PublishAsync(room, "ann", "before");
        await using var proxy = new TcpProxy(server.Port);
        await using var subscriber = GreeterCli.Start(["subscribe", "--room", room, "--address", proxy.Address]);
        await subscriber.Error.WaitForLineAsync($"greeter: subscribed to {room}");

        proxy.Cut();
        await subscriber.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        await server.PublishAsync(room, "ann", "while cut off");
        proxy.Restore();
        await subscriber.Output.WaitForAsync(Message("ann", "while cut off"), "the event published while cut off");
        await server.PublishAsync(room, "ann", "later");
        await subscriber.Output.WaitForAsync(Message("ann", "later"), "the next live event");

        AssertLines(subscriber, [Message("ann", "while cut off"), Message("ann", "later")]);
    }

    [Fact]
    public async Task Subscribe_FromBeyondTheLastEvent_PrintsTheNextEvents()
    {
        var room = Rooms.Unique();
        await using var server = await GreeterServer.StartAsync();
        await server.PublishAsync(room, "ann", "m1");
        await using var subscriber = GreeterCli.Start(["subscribe", "--room", room, "--from", "100", "--address", server.Address]);
        await subscriber.Error.WaitForLineAsync($"greeter: subscribed to {room}");

        await server.PublishAsync(room, "ann", "m2");
        await subscriber.Output.WaitForAsync(Message("ann", "m2"), "the next event");

        AssertLines(subscriber, [Message("ann", "m2")]);
    }

    [Fact]
    public async Task Subscribe_EventsGoneFromHistory_SaysWhichWereMissed()
    {
        var room = Rooms.Unique();
        await using var server = await GreeterServer.StartAsync(0, "--Hub:HistorySize=2");
        await using var proxy = new TcpProxy(server.Port);
        await using var subscriber = await StartSubscriberAsync(server, room, proxy.Address);

        proxy.Cut();
        await subscriber.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        for (var i = 3; i <= 6; i++)
        {
            await server.PublishAsync(room, "ann", $"m{i}");
        }

        proxy.Restore();
        await subscriber.Output.WaitForAsync(Message("ann", "m6"), "the retained events");

        AssertLines(subscriber, [Message("ann", "m2"), Exactly("! missed events 3–4"), Message("ann", "m5"), Message("ann", "m6")]);
    }

    [Fact]
    public async Task Chat_ServerRestarts_RejoinsAndKeepsTalking()
    {
        var room = Rooms.Unique();
        var first = await GreeterServer.StartAsync();
        var port = first.Port;
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", first.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");

        await first.StopAsync();
        await first.DisposeAsync();
        await ann.Error.WaitForAsync(line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal), "the notice of the lost connection");
        await using var second = await GreeterServer.StartAsync(port);
        await ann.Output.WaitForLineAsync("! history restarted");
        await ann.Output.WaitForLineAsync("* ann joined", start: 1);
        await ann.Input.WriteLineAsync("back again").DefaultTimeout();
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        AssertLines(ann, [Exactly("* ann joined"), Exactly("! history restarted"), Exactly("* ann joined"), Message("ann", "back again"), Exactly("* ann left")]);
    }

    /// <summary>Publishes m1 and m2 and starts subscribing after m1: once m2 is printed, the subscription is live.</summary>
    private static async Task<ChildProcess> StartSubscriberAsync(GreeterServer server, string room, string address)
    {
        await server.PublishAsync(room, "ann", "m1");
        await server.PublishAsync(room, "ann", "m2");
        var subscriber = GreeterCli.Start(["subscribe", "--room", room, "--from", "1", "--address", address]);
        await subscriber.Output.WaitForAsync(Message("ann", "m2"), "the replayed m2");
        return subscriber;
    }

    private static Func<string, bool> Message(string sender, string text) =>
        line => Regex.IsMatch(line, $@"^\d\d:\d\d:\d\d {Regex.Escape(sender)}: {Regex.Escape(text)}$");

    private static Func<string, bool> Exactly(string expected) => line => line == expected;

    private static void AssertLines(ChildProcess process, Func<string, bool>[] expected)
    {
        var lines = process.Output.Lines;
        var message = $"stdout:\n{string.Join('\n', lines)}\nstderr:\n{process.Error.Text}";
        Assert.True(lines.Count == expected.Length, message);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(expected[i](lines[i]), $"line {i + 1} unexpected\n{message}");
        }
    }
}
