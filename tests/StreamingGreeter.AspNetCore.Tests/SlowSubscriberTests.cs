using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Xunit.Abstractions;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>A subscriber that stops reading is disconnected without holding up the room.</summary>
[Collection(IsolatedCollection.Name)]
public sealed class SlowSubscriberTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Subscribe_ClientStopsReading_ResourceExhaustedNamingAfterSequenceAndOthersGetEveryEvent()
    {
        const int MaxPublished = 5000;
        await using var server = await TestServer.StartAsync("Hub:SubscriberBufferCapacity=16");
        var room = Rooms.Unique();
        var text = new string('x', 1000);

        // The slow subscriber has a connection of its own, so what it leaves unread blocks nobody else's flow control.
        var slowClient = new Greeter.GreeterClient(server.CreateChannel());
        var first = await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "first" }).ResponseAsync.DefaultTimeout();
        using var slow = slowClient.Subscribe(new SubscribeRequest { Room = room, Epoch = "stale" });
        using var reader = server.Client.Subscribe(new SubscribeRequest { Room = room, Epoch = "stale" });
        // Each receives the replayed first event once subscribed; after that the slow one reads nothing more for now.
        Assert.Equal(first.Sequence, (await slow.ResponseStream.ReadNextAsync()).Sequence);
        Assert.Equal(first.Sequence, (await reader.ResponseStream.ReadNextAsync()).Sequence);
        Assert.Equal(2, server.Hub.SubscriberCount);

        // Publish, waiting each time for the reading subscriber to receive the event (so it never falls behind), until
        // the hub drops the slow one.
        var lastPublished = first.Sequence;
        var readerSaw = new List<long> { first.Sequence };
        while (server.Hub.SubscriberCount == 2)
        {
            Assert.True(lastPublished < MaxPublished, $"the slow subscriber was still connected after {MaxPublished} events");
            var reply = await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = text }).ResponseAsync.DefaultTimeout();
            lastPublished = reply.Sequence;
            readerSaw.Add((await reader.ResponseStream.ReadNextAsync()).Sequence);
        }

        // The reading subscriber goes on: a few more events, all received.
        for (var i = 0; i < 10; i++)
        {
            lastPublished = (await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "after" }).ResponseAsync.DefaultTimeout()).Sequence;
            readerSaw.Add((await reader.ResponseStream.ReadNextAsync()).Sequence);
        }

        Assert.Equal(Enumerable.Range(1, (int)lastPublished).Select(static i => (long)i), readerSaw);
        Assert.Equal(1, server.Hub.SubscriberCount);

        // The slow subscriber, reading again, gets what was buffered for it, in order, then the status.
        var slowSaw = new List<long> { first.Sequence };
        RpcException? error = null;
        try
        {
            while (await slow.ResponseStream.MoveNext().DefaultTimeout())
            {
                slowSaw.Add(slow.ResponseStream.Current.Sequence);
            }
        }
        catch (RpcException caught)
        {
            error = caught;
        }

        output.WriteLine($"published {lastPublished} events; the slow subscriber got {slowSaw.Count} before: {error?.Status.Detail}");
        Assert.NotNull(error);
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("after_sequence", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains($"after_sequence={slowSaw[^1]}", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, slowSaw.Count).Select(static i => (long)i), slowSaw);
        Assert.True(slowSaw[^1] < lastPublished, "the slow subscriber cannot have received everything");
        var warning = Assert.Single(server.Logs.Messages, static m => m.Contains("disconnected for falling behind", StringComparison.Ordinal));
        Assert.Contains(room, warning, StringComparison.Ordinal);
    }
}
