using System.Net.Sockets;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>An event stream whose reader stops reading is ended under the slow-subscriber policy, holding up nobody.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class SlowEventReaderTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Events_ReaderStopsReading_EndsWithResourceExhaustedErrorEventWhileAnotherReaderGetsEverything()
    {
        const int MaxPublished = 5000;
        // A write timeout longer than the test, so that the slow reader is dropped by the hub's policy and not aborted.
        await using var server = await WebServer.StartAsync("Hub:SubscriberBufferCapacity=16", "Greeter:WriteTimeout=00:05:00");
        var room = Rooms.Unique();
        var text = new string('x', 1000);
        var first = await server.PublishAsync(room, "first");

        // The slow reader's socket takes little before it stops the server's writes, so its buffer fills soon.
        using var slowClient = new HttpClient(new SocketsHttpHandler { ConnectCallback = SmallReceiveBufferAsync })
        {
            BaseAddress = server.WebAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var slow = await server.OpenAsync($"/rooms/{room}/events?after={first.Epoch}:0", client: slowClient);
        using var reader = await server.OpenAsync($"/rooms/{room}/events?after={first.Epoch}:0");
        await slow.ReadAsync("epoch");
        await reader.ReadAsync("epoch");
        Assert.Equal(first.Sequence, (await slow.ReadAsync("message")).Sequence);
        Assert.Equal(first.Sequence, (await reader.ReadAsync("message")).Sequence);
        Assert.Equal(2, server.Hub.SubscriberCount);

        // Publish, the reading one receiving each event (so it never falls behind), until the hub drops the slow one.
        var lastPublished = first.Sequence;
        var readerSaw = new List<long> { first.Sequence };
        while (server.Hub.SubscriberCount == 2)
        {
            Assert.True(lastPublished < MaxPublished, $"the slow reader was still subscribed after {MaxPublished} events");
            lastPublished = (await server.PublishAsync(room, text)).Sequence;
            readerSaw.Add((await reader.ReadAsync("message")).Sequence);
        }

        for (var i = 0; i < 10; i++)
        {
            lastPublished = (await server.PublishAsync(room, "after")).Sequence;
            readerSaw.Add((await reader.ReadAsync("message")).Sequence);
        }

        // The slow reader, reading again, gets what was buffered for it, in order, then the reason, then the end.
        var slowSaw = new List<long> { first.Sequence };
        ServerEvent? next;
        while ((next = await slow.ReadAsync()) is { Type: "message" })
        {
            slowSaw.Add(next.Sequence);
        }

        output.WriteLine($"published {lastPublished} events; the slow reader got {slowSaw.Count} before: {next?.Data}");
        Assert.Equal(Enumerable.Range(1, (int)lastPublished).Select(static i => (long)i), readerSaw);
        Assert.NotNull(next);
        Assert.Equal("error", next.Type);
        Assert.Equal("RESOURCE_EXHAUSTED", next.Json.GetProperty("code").GetString());
        Assert.Contains("Hub:SubscriberBufferCapacity", next.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains($"Last-Event-ID {first.Epoch}:{slowSaw[^1]}", next.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, slowSaw.Count).Select(static i => (long)i), slowSaw);
        Assert.True(slowSaw[^1] < lastPublished, "the slow reader cannot have received everything");
        Assert.Null(await slow.ReadAsync());
        Assert.Equal(1, server.Hub.SubscriberCount);
    }

    [Fact]
    public async Task Events_ReaderStopsReadingUnderDropOldest_AbortedAfterWriteTimeoutWithoutAnError()
    {
        const int MaxPublished = 20_000;
        // DropOldest never drops the subscriber: only the write timeout can release a reader that stopped reading.
        await using var server = await WebServer.StartAsync("Hub:SlowSubscriberPolicy=DropOldest", "Hub:SubscriberBufferCapacity=16", "Greeter:WriteTimeout=00:00:00.500");
        var room = Rooms.Unique();
        var text = new string('x', 1000);
        using var slowClient = new HttpClient(new SocketsHttpHandler { ConnectCallback = SmallReceiveBufferAsync })
        {
            BaseAddress = server.WebAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        using var slow = await server.OpenAsync($"/rooms/{room}/events", client: slowClient);
        await slow.ReadAsync("epoch");
        Assert.Equal(1, server.Hub.SubscriberCount);

        var published = 0;
        while (server.Hub.SubscriberCount == 1)
        {
            Assert.True(++published < MaxPublished, $"the reader that stopped reading was still subscribed after {MaxPublished} events");
            await server.PublishAsync(room, text);
        }

        output.WriteLine($"aborted after {published} events");
        await server.Logs.WaitForAsync(static e => LogCapture.EventName(e) == "EventStreamWriteTimedOut").DefaultTimeout();
    }

    private static async ValueTask<Stream> SmallReceiveBufferAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
