using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>
/// A stream whose client stops reading while the server writes: the call is ended (Greeter:WriteTimeout) rather than
/// held for ever, and a call that ends while its writes are busy still ends with its status.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class StalledStreamTests
{
    /// <summary>Enough bytes, unread, to fill the HTTP/2 window and Kestrel's response buffer behind it.</summary>
    private const int StallingEvents = 400;

    private static readonly string Kilobyte = new('x', 1000);

    [Fact]
    public async Task Subscribe_ClientStopsReadingWithWindowShut_CallAbortedAfterWriteTimeoutAndMembershipReleased()
    {
        // A buffer far larger than what is published: the hub never drops the stalled calls, only the timeout can.
        await using var server = await TestServer.StartAsync("Greeter:WriteTimeout=00:00:01", "Hub:SubscriberBufferCapacity=100000");
        var room = Rooms.Unique();
        var stalledClient = new Greeter.GreeterClient(server.CreateChannel());

        using var watcher = server.Client.Chat();
        await watcher.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "watcher" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await watcher.ResponseStream.ReadNextAsync()).Kind);

        using var stalledChat = stalledClient.Chat();
        await stalledChat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "stalled" }).DefaultTimeout();
        Assert.Equal("stalled", (await watcher.ResponseStream.ReadNextAsync()).Sender);
        using var stalledSubscribe = stalledClient.Subscribe(new SubscribeRequest { Room = room });
        await stalledSubscribe.ResponseHeadersAsync.DefaultTimeout();
        Assert.Equal(3, server.Hub.SubscriberCount);

        // Neither stalled call reads again; the watcher reads everything.
        for (var i = 0; i < StallingEvents; i++)
        {
            await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = Kilobyte }).ResponseAsync.DefaultTimeout();
            Assert.Equal(Kilobyte, (await watcher.ResponseStream.ReadNextAsync()).Text);
        }

        // The stalled member's LEFT reaches the others: its call was ended and its membership released.
        var left = await watcher.ResponseStream.ReadNextAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(ChatEvent.Types.Kind.Left, left.Kind);
        Assert.Equal("stalled", left.Sender);
        await Wait.UntilAsync(() => server.Hub.SubscriberCount == 1, () => $"{server.Hub.SubscriberCount} subscribers, expected only the watcher");
        Assert.DoesNotContain(server.Logs.Everything, static entry => entry.Contains("Error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Chat_MessageRefusedWhileEventsAreQueued_EndsWithInvalidArgumentAfterTheQueuedEvents()
    {
        await using var server = await TestServer.StartAsync("Hub:SubscriberBufferCapacity=100000");
        var room = Rooms.Unique();
        using var chat = server.Client.Chat();
        await chat.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await chat.ResponseStream.ReadNextAsync()).Kind);

        // Events pile up unread, more than the connection can take: the server is still writing them when the bad
        // message arrives.
        for (var i = 0; i < StallingEvents; i++)
        {
            await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = Kilobyte }).ResponseAsync.DefaultTimeout();
        }

        await chat.RequestStream.WriteAsync(new ChatMessage { Text = new string('y', 65537) }).DefaultTimeout();

        var received = 0;
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await chat.ResponseStream.MoveNext().DefaultTimeout())
            {
                received++;
            }
        });
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("Greeter:MaxEventBytes", error.Status.Detail, StringComparison.Ordinal);
        Assert.True(received > 0, "the events queued before the refusal are written first");
    }

    [Fact]
    public async Task Subscribe_ServerStopsWhileEventsAreQueued_EndsWithUnavailable()
    {
        var server = await TestServer.StartAsync("Hub:SubscriberBufferCapacity=100000");
        await using (server)
        {
            var room = Rooms.Unique();
            using var call = server.Client.Subscribe(new SubscribeRequest { Room = room });
            await call.ResponseHeadersAsync.DefaultTimeout();
            for (var i = 0; i < StallingEvents; i++)
            {
                await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = Kilobyte }).ResponseAsync.DefaultTimeout();
            }

            // Stopping while the server still has events to write for the call, which reads only afterwards.
            var stopping = server.StopAsync();
            var error = await call.ResponseStream.ReadUntilErrorAsync();
            await stopping;

            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
            Assert.Contains("shutting down", error.Status.Detail, StringComparison.Ordinal);
        }
    }
}
