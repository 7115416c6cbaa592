using System.Text.Json;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>
/// publish across a broken connection: a message whose reply was lost is sent again with the message id it had, so the
/// server answers with the original's sequence and the room gets it once.
/// </summary>
public sealed class PublishRetryTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Publish_PublishedButReplyLost_SentAgainWithTheSameIdAndPublishedOnce()
    {
        var room = Rooms.Unique();
        await using var proxy = new TcpProxy(fixture.Server.Port);
        await using var publisher = GreeterCli.Start(["publish", "--room", room, "--name", "ops", "--json", "--address", proxy.Address]);
        await publisher.Input.WriteLineAsync("first").DefaultTimeout();
        await publisher.Output.WaitForAsync(static line => line.Contains("\"sequence\":1", StringComparison.Ordinal), "the reply to the first line");
        // Everything after the first line, straight from the server, whenever it subscribes.
        await using var watcher = GreeterCli.Start(["subscribe", "--room", room, "--from", "1", "--address", fixture.Server.Address]);

        // The server hears the publish and publishes it; its reply never reaches the client.
        proxy.FreezeToClient();
        await publisher.Input.WriteLineAsync("heard once").DefaultTimeout();
        await watcher.Output.WaitForAsync(static line => line.EndsWith(" ops: heard once", StringComparison.Ordinal), "the second line, published");
        proxy.Cut();
        await publisher.Error.WaitForAsync(static line => line.StartsWith("greeter: publish failed", StringComparison.Ordinal), "the notice of the failed publish");
        proxy.Restore();
        var answered = await publisher.Output.WaitForAsync(static line => line.Contains("\"sequence\":2", StringComparison.Ordinal), "the reply to the retry");
        await publisher.Input.WriteLineAsync("after").DefaultTimeout();
        await publisher.Output.WaitForAsync(static line => line.Contains("\"sequence\":", StringComparison.Ordinal), "the reply to the third line", start: answered + 1);
        publisher.Input.Close();
        await watcher.Output.WaitForAsync(static line => line.EndsWith(" ops: after", StringComparison.Ordinal), "the third line");

        Assert.Equal(0, await publisher.WaitForExitAsync());
        // The retry was answered with the original's position, and the next message came right after it.
        Assert.Equal([1L, 2L, 3L], publisher.Output.Lines.Select(static line => JsonDocument.Parse(line).RootElement.GetProperty("sequence").GetInt64()));
        Assert.Single(watcher.Output.Lines, static line => line.EndsWith(" ops: heard once", StringComparison.Ordinal));
    }
}
