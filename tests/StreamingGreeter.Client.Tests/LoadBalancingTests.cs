using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>Several servers: calls spread round-robin over them, and chat and subscribe move to a live one.</summary>
public sealed class LoadBalancingTests(TwoServersFixture fixture) : IClassFixture<TwoServersFixture>
{
    private const int Usage = 2;

    [Fact]
    public async Task Publish_TwoAddresses_SpreadsCallsOverBothServers()
    {
        var room = Rooms.Unique();
        var lines = string.Concat(Enumerable.Range(1, 20).Select(i => $"m{i}\n"));

        var result = await GreeterCli.RunAsync(["publish", "--room", room, "--json", "--address", fixture.First.Address, "--address", fixture.Second.Address], lines);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(20, result.Output.Count);
        // Each server numbers the room on its own; a publish of the test's own tells how many each received.
        var onFirst = (await fixture.First.PublishAsync(room, "test", "count")).Sequence - 1;
        var onSecond = (await fixture.Second.PublishAsync(room, "test", "count")).Sequence - 1;
        Assert.True(onFirst > 0 && onSecond > 0, $"first {onFirst}, second {onSecond}\n{result}");
        Assert.Equal(20, onFirst + onSecond);
        var epochs = result.Output.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("epoch").GetString()).Distinct();
        Assert.Equal(2, epochs.Count());
    }

    [Fact]
    public async Task Publish_AddressListInEnvironment_SpreadsCallsOverBothServers()
    {
        var room = Rooms.Unique();
        var environment = new Dictionary<string, string?> { ["GREETER_ADDRESS"] = $"{fixture.First.Address},{fixture.Second.Address}" };

        var result = await GreeterCli.RunAsync(["publish", "--room", room], string.Concat(Enumerable.Range(1, 20).Select(i => $"m{i}\n")), environment);

        Assert.True(result.ExitCode == 0, result.ToString());
        var onFirst = (await fixture.First.PublishAsync(room, "test", "count")).Sequence - 1;
        var onSecond = (await fixture.Second.PublishAsync(room, "test", "count")).Sequence - 1;
        Assert.True(onFirst > 0 && onSecond > 0, $"first {onFirst}, second {onSecond}\n{result}");
        Assert.Equal(20, onFirst + onSecond);
    }

    [Fact]
    public async Task Hello_OneOfTwoServersDown_AnswersFromTheOther()
    {
        var down = $"http://127.0.0.1:{UnusedPort()}";

        var result = await GreeterCli.RunAsync(["hello", "Ann", "--address", down, "--address", fixture.First.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, Ann"], result.Output);
    }

    [Fact]
    public async Task Hello_DnsName_Answers()
    {
        var result = await GreeterCli.RunAsync(["hello", "Dns", "--address", $"dns:///localhost:{fixture.First.Port}"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, Dns"], result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Hello_NoServerAtAnyAddress_ExitsUnavailableNamingThem()
    {
        var first = $"http://127.0.0.1:{UnusedPort()}";
        var second = $"http://127.0.0.1:{UnusedPort()}";

        var result = await GreeterCli.RunAsync(["hello", "Ann", "--address", first, "--address", second]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal([$"error: no server at any of {first}, {second} — are they running?"], result.Error);
    }

    [Theory]
    [InlineData("all addresses must have the same scheme (got http:// and https://)", "http://127.0.0.1:1", "https://127.0.0.1:2")]
    [InlineData("cannot be combined with other addresses", "dns:///localhost:1", "dns:///localhost:2")]
    [InlineData("must have the form dns:///HOST:PORT", "dns:///localhost")]
    [InlineData("is not an http:// or https:// URL", "http://127.0.0.1:1", "ftp://127.0.0.1:2")]
    public async Task BadAddresses_ExitUsageNamingTheProblem(string expected, params string[] addresses)
    {
        var result = await GreeterCli.RunAsync(["hello", "Ann", .. addresses.SelectMany(address => new[] { "--address", address })]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.StartsWith("error: --address", result.Error[0], StringComparison.Ordinal);
        Assert.Contains(expected, result.Error[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_ItsServerStops_MovesToTheOtherAndKeepsReceiving()
    {
        var room = Rooms.Unique();
        await using var first = await GreeterServer.StartAsync();
        await using var second = await GreeterServer.StartAsync();
        await first.PublishAsync(room, "ann", "m1");
        await first.PublishAsync(room, "ann", "on-first");
        await second.PublishAsync(room, "bob", "m1");
        await second.PublishAsync(room, "bob", "on-second");

        // Replaying after 1 shows which server the subscription landed on.
        await using var subscriber = GreeterCli.Start(["subscribe", "--room", room, "--from", "1", "--address", first.Address, "--address", second.Address]);
        var index = await subscriber.Output.WaitForAsync(line => line.EndsWith(": on-first", StringComparison.Ordinal) || line.EndsWith(": on-second", StringComparison.Ordinal), "the replayed event");
        var onFirst = subscriber.Output.Lines[index].EndsWith("on-first", StringComparison.Ordinal);
        var (stopped, other, otherSender, otherText) = onFirst ? (first, second, "bob", "on-second") : (second, first, "ann", "on-first");

        await stopped.StopAsync();
        await subscriber.Error.WaitForLineAsync("greeter: reconnected");
        await other.PublishAsync(room, otherSender, "after");
        await subscriber.Output.WaitForAsync(Message(otherSender, "after"), "the event published on the other server");

        // In-memory hubs number rooms each on their own: on the other server history restarts, then goes on live.
        var lines = subscriber.Output.Lines;
        var all = string.Join('\n', lines) + "\n" + subscriber.Error.Text;
        Assert.True(lines.Count == 5, all);
        Assert.Equal("! history restarted", lines[1]);
        Assert.True(Message(otherSender, "m1")(lines[2]), all);
        Assert.True(Message(otherSender, otherText)(lines[3]), all);
        Assert.True(Message(otherSender, "after")(lines[4]), all);
    }

    [Fact]
    public async Task Chat_ItsServerStops_RejoinsOnTheOtherAndKeepsTalking()
    {
        var room = Rooms.Unique();
        await using var first = await GreeterServer.StartAsync();
        await using var second = await GreeterServer.StartAsync();
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", first.Address, "--address", second.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");

        // Only the server ann joined on shows her its message.
        await first.PublishAsync(room, "ops", "on-first");
        await second.PublishAsync(room, "ops", "on-second");
        var index = await ann.Output.WaitForAsync(line => line.EndsWith(": on-first", StringComparison.Ordinal) || line.EndsWith(": on-second", StringComparison.Ordinal), "the message of ann's server");
        var onFirst = ann.Output.Lines[index].EndsWith("on-first", StringComparison.Ordinal);
        var (stopped, otherText, ownText) = onFirst ? (first, "on-second", "on-first") : (second, "on-first", "on-second");

        await stopped.StopAsync();
        await ann.Output.WaitForLineAsync("* ann joined", start: 1);
        await ann.Input.WriteLineAsync("back again").DefaultTimeout();
        ann.Input.Close();

        Assert.Equal(0, await ann.WaitForExitAsync());
        var lines = ann.Output.Lines;
        var all = string.Join('\n', lines) + "\n" + ann.Error.Text;
        Assert.True(lines.Count == 7, all);
        Assert.Equal("* ann joined", lines[0]);
        Assert.True(Message("ops", ownText)(lines[1]), all);
        Assert.Equal("! history restarted", lines[2]);
        Assert.True(Message("ops", otherText)(lines[3]), all);
        Assert.Equal("* ann joined", lines[4]);
        Assert.True(Message("ann", "back again")(lines[5]), all);
        Assert.Equal("* ann left", lines[6]);
        Assert.Contains("greeter: reconnected", ann.Error.Lines);
    }

    private static Func<string, bool> Message(string sender, string text) =>
        line => Regex.IsMatch(line, $@"^\d\d:\d\d:\d\d {Regex.Escape(sender)}: {Regex.Escape(text)}$");

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
