using System.Text.Json;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// <c>greeter</c> against two server processes sharing rooms through one real redis-server: calls spread over both
/// nodes, and when the node a stream is on dies, the stream resumes on the other with no gap and no duplicate.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisFailoverTests(RedisFixture redis)
{
    [SkippableFact]
    public async Task Subscribe_ItsNodeKilled_ResumesOnTheOtherWithNoGapOrDuplicate()
    {
        var room = Rooms.Unique();
        await using var nodes = await RedisNodes.StartAsync(redis.Server);
        await using var subscriber = GreeterCli.Start(["subscribe", "--room", room, "--json", .. nodes.AddressArguments]);
        var (victim, survivor) = await nodes.WhichLoggedAsync($"Subscribed to room {room} after sequence 0");

        // Published through both nodes: the subscriber's node relays the other's through Redis.
        for (var i = 1; i <= 10; i++)
        {
            await (i % 2 == 1 ? victim : survivor).PublishAsync(room, "pub", $"e{i}");
        }

        await subscriber.Output.WaitForTextAsync("\"text\":\"e10\"");
        await victim.KillAsync();
        // While the subscriber reconnects: these are only in the room's history.
        for (var i = 11; i <= 20; i++)
        {
            await survivor.PublishAsync(room, "pub", $"e{i}");
        }

        await subscriber.Error.WaitForLineAsync("greeter: reconnected");
        await survivor.Log.WaitForTextAsync($"Subscribed to room {room} after sequence 10");
        for (var i = 21; i <= 30; i++)
        {
            await survivor.PublishAsync(room, "pub", $"e{i}");
        }

        await subscriber.Output.WaitForTextAsync("\"text\":\"e30\"");
        subscriber.Signal(Signals.Interrupt);
        Assert.Equal(0, await subscriber.WaitForExitAsync());

        var all = subscriber.Output.Text + "\n--- stderr\n" + subscriber.Error.Text;
        var events = Events(subscriber.Output.Lines, all);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"e{i}"), events.Select(e => e.Text));
        Assert.Single(events.Select(e => e.Epoch).Distinct());
        Assert.Contains(subscriber.Error.Lines, line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Chat_ItsNodeKilled_RejoinsOnTheOtherWithNoGapOrDuplicate()
    {
        var room = Rooms.Unique();
        await using var nodes = await RedisNodes.StartAsync(redis.Server);
        await using var ann = GreeterCli.Start(["chat", "--room", room, "--name", "ann", "--json", .. nodes.AddressArguments]);
        var (victim, survivor) = await nodes.WhichLoggedAsync($"ann joined room {room} to chat");
        await ann.Output.WaitForTextAsync("\"kind\":\"joined\"");

        await ann.Input.WriteLineAsync("a1").DefaultTimeout();
        await ann.Output.WaitForTextAsync("\"text\":\"a1\"");
        await victim.PublishAsync(room, "bob", "b1");
        await survivor.PublishAsync(room, "bob", "b2");
        await ann.Output.WaitForTextAsync("\"text\":\"b2\"");

        await victim.KillAsync();
        // While ann reconnects: only in the room's history.
        await survivor.PublishAsync(room, "bob", "b3");
        await ann.Error.WaitForLineAsync("greeter: reconnected");
        await survivor.Log.WaitForTextAsync($"ann joined room {room} to chat");
        await ann.Input.WriteLineAsync("a2").DefaultTimeout();
        await ann.Output.WaitForTextAsync("\"text\":\"a2\"");
        await survivor.PublishAsync(room, "bob", "b4");
        await ann.Output.WaitForTextAsync("\"text\":\"b4\"");
        ann.Input.Close();
        Assert.Equal(0, await ann.WaitForExitAsync());

        var all = ann.Output.Text + "\n--- stderr\n" + ann.Error.Text;
        var events = Events(ann.Output.Lines, all);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Single(events.Select(e => e.Epoch).Distinct());
        Assert.Equal(["a1", "b1", "b2", "b3", "a2", "b4"], events.Where(e => e.Kind == "message").Select(e => e.Text));
        Assert.Equal(("joined", "ann"), (events[0].Kind, events[0].Sender));
        // The killed node never said LEFT; rejoining on the other announces ann once more, as a new event.
        Assert.Equal(2, events.Count(e => e is { Kind: "joined", Sender: "ann" }));
        Assert.Equal(9, events.Count);
        Assert.Equal(("left", "ann"), (events[^1].Kind, events[^1].Sender));
        Assert.Contains(ann.Error.Lines, line => line.StartsWith("greeter: connection lost", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task LoadFanout_TwoNodes_SubscribersOnBothReceiveEveryPublish()
    {
        var room = Rooms.Unique();
        await using var nodes = await RedisNodes.StartAsync(redis.Server);

        var result = await GreeterCli.RunAsync(["load", "fanout", "--subscribers", "40", "--publishers", "2", "--duration", "2", "--room", room, "--json", .. nodes.AddressArguments]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonDocument.Parse(Assert.Single(result.Output)).RootElement;
        Assert.Equal(40, report.GetProperty("subscribed").GetInt32());
        var subscribedLine = $"Subscribed to room {room} after sequence 0";
        var onFirst = nodes.First.Log.Lines.Count(line => line.Contains(subscribedLine, StringComparison.Ordinal));
        var onSecond = nodes.Second.Log.Lines.Count(line => line.Contains(subscribedLine, StringComparison.Ordinal));
        // Half on each, over a connection of its own.
        Assert.True(onFirst == 20 && onSecond == 20, $"subscribers on the first node {onFirst}, on the second {onSecond}\n{result}");
        Assert.Equal(2, report.GetProperty("connections").GetInt32());
        // Subscribers on both nodes and every publish delivered to each: whichever node took a publish, Redis carried it to the other.
        var publishes = report.GetProperty("publishes").GetInt64();
        Assert.True(publishes > 0, result.ToString());
        Assert.Equal(publishes * 40, report.GetProperty("expectedDeliveries").GetInt64());
        Assert.Equal(publishes * 40, report.GetProperty("deliveries").GetInt64());
        Assert.Equal(0, report.GetProperty("missedEvents").GetInt64());
        Assert.Empty(report.GetProperty("errors").EnumerateObject());
    }

    /// <summary>Every line must be an event: a notice (missed events, history restarted) fails the test.</summary>
    private static List<Event> Events(IReadOnlyList<string> lines, string all) => lines.Select(line =>
    {
        var json = JsonDocument.Parse(line).RootElement;
        Assert.True(json.GetProperty("type").GetString() == "event", $"not an event: {line}\n{all}");
        return new Event(
            json.GetProperty("kind").GetString()!,
            json.GetProperty("sender").GetString()!,
            json.GetProperty("text").GetString()!,
            json.GetProperty("sequence").GetInt64(),
            json.GetProperty("epoch").GetString()!);
    }).ToList();

    private sealed record Event(string Kind, string Sender, string Text, long Sequence, string Epoch);
}
