using System.Text;
using System.Text.Json;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>Each command against a real server: what it prints and its exit code.</summary>
public sealed class CommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private GreeterServer Server => fixture.Server;

    [Fact]
    public async Task Hello_Name_PrintsReply()
    {
        var result = await GreeterCli.RunAsync(["hello", "World", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, World"], result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Hello_Json_PrintsOneObject()
    {
        var result = await GreeterCli.RunAsync(["hello", "Ann", "--json", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reply = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal("reply", reply.GetProperty("type").GetString());
        Assert.Equal("Hello, Ann", reply.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Hello_AddressFromEnvironment_IsUsed()
    {
        var result = await GreeterCli.RunAsync(["hello", "Env"], environment: new Dictionary<string, string?> { ["GREETER_ADDRESS"] = Server.Address });

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, Env"], result.Output);
    }

    [Fact]
    public async Task Stream_Count_PrintsEachGreetingAsItArrives()
    {
        // A long interval: the first greeting must be printed while the server is still waiting to send the second.
        await using var process = GreeterCli.Start(["stream", "Ann", "--count", "2", "--interval", "60000", "--address", Server.Address]);

        await process.Output.WaitForLineAsync("Hello, Ann (1 of 2)");
        Assert.Single(process.Output.Lines);
    }

    [Fact]
    public async Task Stream_Piped_PrintsAllAndNoProgress()
    {
        var result = await GreeterCli.RunAsync(["stream", "Bob", "--count", "3000", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(Enumerable.Range(1, 3000).Select(i => $"Hello, Bob ({i} of 3000)"), result.Output);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Who_TwoMembers_PrintsEachMemberThenTheCounts()
    {
        var room = Rooms.Unique();
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", Server.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");
        await using var bob = GreeterCli.Start(["chat", "--room", room, "--name", "bob", "--address", Server.Address]);
        await bob.Output.WaitForLineAsync("* bob joined");

        var result = await GreeterCli.RunAsync(["who", "--room", room, "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, result.Output.Count);
        Assert.Matches(@"^ann  identity -  1 connection  joined \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$", result.Output[0]);
        Assert.StartsWith("bob  identity -  1 connection  joined ", result.Output[1], StringComparison.Ordinal);
        Assert.Equal($"room {room}: 2 members, 0 identities, 2 subscribers", result.Output[2]);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Who_Json_PrintsOneObjectPerMemberThenThePresence()
    {
        var room = Rooms.Unique();
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--address", Server.Address]);
        await ann.Output.WaitForLineAsync("* ann joined");

        var result = await GreeterCli.RunAsync(["who", "--room", room, "--json", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Output.Count);
        var member = JsonDocument.Parse(result.Output[0]).RootElement;
        Assert.Equal(("member", room, "ann", "", 1), (member.GetProperty("type").GetString(), member.GetProperty("room").GetString(), member.GetProperty("sender").GetString(), member.GetProperty("identity").GetString(), member.GetProperty("connections").GetInt32()));
        Assert.True(member.GetProperty("joinedTime").TryGetDateTimeOffset(out _));
        var presence = JsonDocument.Parse(result.Output[1]).RootElement;
        Assert.Equal(("presence", 1, 0, 1), (presence.GetProperty("type").GetString(), presence.GetProperty("members").GetInt32(), presence.GetProperty("identities").GetInt32(), presence.GetProperty("subscribers").GetInt32()));
    }

    [Fact]
    public async Task Who_BadRoom_PrintsTheServersReasonAndFails()
    {
        var result = await GreeterCli.RunAsync(["who", "--room", "no spaces", "--address", Server.Address]);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("room \"no spaces\" is invalid", string.Join("\n", result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_NamesAsArguments_PrintsOneReply()
    {
        var result = await GreeterCli.RunAsync(["many", "Ann", "Bob", "Cy", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, Ann, Bob and Cy"], result.Output);
    }

    [Fact]
    public async Task Many_StandardInput_SkipsBlankLines()
    {
        var result = await GreeterCli.RunAsync(["many", "--json", "--address", Server.Address], "Ann\n\nBob\r\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        var reply = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal("Hello, Ann and Bob", reply.GetProperty("message").GetString());
        Assert.Equal(2, reply.GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task Many_100000NamesThroughAPipe_StreamsThemAsRead()
    {
        // Through a proxy that counts bytes: names must reach the server while standard input is still open.
        await using var proxy = new TcpProxy(Server.Port);
        await using var process = GreeterCli.Start(["many", "--json", "--address", proxy.Address]);
        var names = new StringBuilder();
        for (var i = 1; i <= 100_000; i++)
        {
            names.Append(i).Append('\n');
            if (i == 30_000)
            {
                await process.Input.WriteAsync(names.ToString()).DefaultTimeout();
                await process.Input.FlushAsync().DefaultTimeout();
                names.Clear();
                await proxy.WaitForBytesToServerAsync(100_000).DefaultTimeout();
            }
        }

        await process.Input.WriteAsync(names.ToString()).DefaultTimeout();
        process.Input.Close();

        Assert.Equal(0, await process.WaitForExitAsync());
        var reply = JsonDocument.Parse(Assert.Single(process.Output.Lines)).RootElement;
        Assert.Equal(100_000, reply.GetProperty("count").GetInt32());
        Assert.Equal("Hello, 1, 2, 3 and 99,997 others", reply.GetProperty("message").GetString());
        Assert.Empty(process.Error.Lines);
    }

    [Fact]
    public async Task Publish_Text_AddsOneMessage()
    {
        var room = Rooms.Unique();
        var result = await GreeterCli.RunAsync(["publish", "--room", room, "--name", "ops", "deploy", "done", "--json", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var reply = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal(1, reply.GetProperty("sequence").GetInt64());
        Assert.False(string.IsNullOrEmpty(reply.GetProperty("epoch").GetString()));
    }

    [Fact]
    public async Task Publish_StandardInput_PublishesEachLine()
    {
        var room = Rooms.Unique();
        var result = await GreeterCli.RunAsync(["publish", "--room", room, "--address", Server.Address], "one\ntwo\nthree\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(3, result.Output.Count);
        Assert.Matches(@"^published #3 \(epoch \w+\)$", result.Output[2]);
    }

    [Fact]
    public async Task Subscribe_FromAndMax_ReplaysThenStops()
    {
        var room = Rooms.Unique();
        for (var i = 1; i <= 4; i++)
        {
            await Server.PublishAsync(room, "ann", $"m{i}");
        }

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "2", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Output.Count);
        Assert.Matches(@"^\d\d:\d\d:\d\d ann: m2$", result.Output[0]);
        Assert.Matches(@"^\d\d:\d\d:\d\d ann: m3$", result.Output[1]);
    }

    [Fact]
    public async Task Subscribe_Live_PrintsEventsAsTheyArrive()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "first");
        await Server.PublishAsync(room, "ann", "second");
        await using var process = GreeterCli.Start(["subscribe", "--room", room, "--from", "1", "--json", "--address", Server.Address]);

        // The replayed event shows the subscription is live; then a new event is printed as it comes.
        await process.Output.WaitForAsync(line => line.Contains("\"text\":\"second\"", StringComparison.Ordinal), "the replayed event");
        await Server.PublishAsync(room, "bob", "third");
        var index = await process.Output.WaitForAsync(line => line.Contains("\"text\":\"third\"", StringComparison.Ordinal), "bob's event");

        var item = JsonDocument.Parse(process.Output.Lines[index]).RootElement;
        Assert.Equal("event", item.GetProperty("type").GetString());
        Assert.Equal("message", item.GetProperty("kind").GetString());
        Assert.Equal("bob", item.GetProperty("sender").GetString());
        Assert.Equal(room, item.GetProperty("room").GetString());
        Assert.Equal(3, item.GetProperty("sequence").GetInt64());
        Assert.Equal(2, process.Output.Lines.Count);
    }

    [Fact]
    public async Task Subscribe_TextForgingALineWithEscapes_PrintsOneLineWithTheEscapesVisible()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "m1");
        await Server.PublishAsync(room, "mallory\u202e", "\n12:00:00 admin: pwned\u001b[2J");

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "1", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var line = Assert.Single(result.Output);
        Assert.Matches(@"^\d\d:\d\d:\d\d mallory\\u202e: \\n12:00:00 admin: pwned\\x1b\[2J$", line);
        Assert.DoesNotContain(line, char.IsControl);
    }

    [Fact]
    public async Task Subscribe_JsonTextWithNewlineAndEscapes_KeepsTheTextAsPublished()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "m1");
        await Server.PublishAsync(room, "mallory\u202e", "\n12:00:00 admin: pwned\u001b[2J");

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "1", "--json", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var item = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal("mallory\u202e", item.GetProperty("sender").GetString());
        Assert.Equal("\n12:00:00 admin: pwned\u001b[2J", item.GetProperty("text").GetString());
    }

    [Fact]
    public async Task Hello_NameWithEscapeSequence_PrintsTheReplyEscaped()
    {
        var result = await GreeterCli.RunAsync(["hello", "\u001b[2Jroot", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(["Hello, \\x1b[2Jroot"], result.Output);
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("stream")]
    [InlineData("many")]
    [InlineData("chat")]
    [InlineData("subscribe")]
    [InlineData("publish")]
    [InlineData("load fanout")]
    public async Task Help_EveryCommand_PrintsUsageAndExitsZero(string command)
    {
        var result = await GreeterCli.RunAsync([.. command.Split(' '), "--help"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(result.Output, line => line.Contains($"greeter {command}", StringComparison.Ordinal));
        Assert.Contains(result.Output, line => line.Contains("--address", StringComparison.Ordinal));
        Assert.Contains(result.Output, line => line.Contains("--json", StringComparison.Ordinal));
        Assert.Contains(result.Output, line => line.Contains("--timeout", StringComparison.Ordinal));
    }

}
