using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using Kind = StreamingGreeter.Protos.ChatEvent.Types.Kind;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Publish and Subscribe: sequences, epochs, history, resuming and max_events.</summary>
public sealed class RoomTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    /// <summary>An epoch no room has: the server must replay all retained history.</summary>
    private const string StaleEpoch = "stale-epoch";

    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task Publish_NoSubscriber_ReturnsConsecutiveSequencesInOneEpoch()
    {
        var room = Rooms.Unique();

        var first = await PublishAsync(room, "one");
        var second = await PublishAsync(room, "two");

        Assert.Equal(1, first.Sequence);
        Assert.Equal(2, second.Sequence);
        Assert.False(string.IsNullOrEmpty(first.Epoch));
        Assert.Equal(first.Epoch, second.Epoch);
    }

    [Fact]
    public async Task Publish_NoSubscriber_EventIsKeptInHistoryForEpochMismatchResume()
    {
        var room = Rooms.Unique();
        var published = await PublishAsync(room, "hello", sender: "Ann");

        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = StaleEpoch, MaxEvents = 1 });
        var events = await call.ResponseStream.ReadToEndAsync();

        var item = Assert.Single(events);
        Assert.Equal((Kind.Message, room, "Ann", "hello", published.Sequence, published.Epoch), (item.Kind, item.Room, item.Sender, item.Text, item.Sequence, item.Epoch));
        Assert.NotNull(item.Time);
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Subscribe_AfterSequence_ReplaysOnlyLaterEvents()
    {
        var room = Rooms.Unique();
        var epoch = await PublishManyAsync(room, 5);

        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 2, Epoch = epoch, MaxEvents = 3 });
        var events = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal([3L, 4L, 5L], events.Select(static e => e.Sequence));
        Assert.Equal(["m3", "m4", "m5"], events.Select(static e => e.Text));
    }

    [Fact]
    public async Task Subscribe_MaxEvents_EndsOkAfterThatManyEvents()
    {
        var room = Rooms.Unique();
        var epoch = await PublishManyAsync(room, 4);

        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 1, Epoch = epoch, MaxEvents = 2 });
        var events = await call.ResponseStream.ReadToEndAsync();

        // Event 4 was there to send, but the call stopped after two.
        Assert.Equal([2L, 3L], events.Select(static e => e.Sequence));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task Subscribe_EpochMismatch_IgnoresAfterSequenceAndReplaysAllHistory()
    {
        var room = Rooms.Unique();
        var epoch = await PublishManyAsync(room, 3);

        using var call = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 2, Epoch = StaleEpoch, MaxEvents = 3 });
        var events = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal([1L, 2L, 3L], events.Select(static e => e.Sequence));
        Assert.All(events, e => Assert.Equal(epoch, e.Epoch));
    }

    [Fact]
    public async Task Subscribe_Headers_CarryTheEpochAndTheSequenceToResumeAfterBeforeAnyEvent()
    {
        var room = Rooms.Unique();
        var epoch = await PublishManyAsync(room, 3);

        Metadata headers;
        using (var call = _server.Client.Subscribe(new SubscribeRequest { Room = room }))
        {
            headers = await call.ResponseHeadersAsync.DefaultTimeout();
        }

        // The call ended before any event; two more are published meanwhile.
        await PublishAsync(room, "m4");
        await PublishAsync(room, "m5");
        using var resumed = _server.Client.Subscribe(new SubscribeRequest
        {
            Room = room,
            AfterSequence = long.Parse(headers.GetValue("greeter-sequence")!, System.Globalization.CultureInfo.InvariantCulture),
            Epoch = headers.GetValue("greeter-epoch"),
            MaxEvents = 2,
        });
        var events = await resumed.ResponseStream.ReadToEndAsync();

        Assert.Equal((epoch, "3"), (headers.GetValue("greeter-epoch"), headers.GetValue("greeter-sequence")));
        Assert.Equal(["m4", "m5"], events.Select(static e => e.Text));
    }

    [Fact]
    public async Task Subscribe_ResumingFromAnEmptyRoomsHeaders_GetsItsFirstEvents()
    {
        var room = Rooms.Unique();
        Metadata headers;
        using (var call = _server.Client.Subscribe(new SubscribeRequest { Room = room }))
        {
            headers = await call.ResponseHeadersAsync.DefaultTimeout();
        }

        await PublishAsync(room, "m1");
        using var resumed = _server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = headers.GetValue("greeter-epoch"), MaxEvents = 1 });
        var events = await resumed.ResponseStream.ReadToEndAsync();

        Assert.Equal("0", headers.GetValue("greeter-sequence"));
        Assert.Equal([(1L, "m1")], events.Select(static e => (e.Sequence, e.Text)));
    }

    [Fact]
    public async Task Subscribe_ResumeWhileOthersPublish_NoGapNoDuplicateAtSeam()
    {
        const int Publishers = 4;
        // Below the retained history (1000), so everything a resuming subscriber asks for can be replayed.
        const int MaxPublished = 900;
        const string EndMarker = "end";
        int[] resumeAt = [50, 150, 250];
        var room = Rooms.Unique();
        var epoch = (await PublishAsync(room, "m")).Epoch;
        var published = 1L;
        var reached = resumeAt.Select(static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        using var stopPublishing = new CancellationTokenSource();
        var publisherClient = new Greeter.GreeterClient(_server.CreateChannel());

        // Several publishers at once, so that publishes keep landing while a subscriber is being set up.
        var publishers = Enumerable.Range(0, Publishers).Select(_ => Task.Run(async () =>
        {
            while (!stopPublishing.IsCancellationRequested && Volatile.Read(ref published) < MaxPublished)
            {
                var reply = await publisherClient.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Text = "m" }).ResponseAsync.DefaultTimeout();
                long seen;
                while ((seen = Volatile.Read(ref published)) < reply.Sequence && Interlocked.CompareExchange(ref published, reply.Sequence, seen) != seen)
                {
                }

                for (var i = 0; i < resumeAt.Length; i++)
                {
                    if (reply.Sequence >= resumeAt[i])
                    {
                        reached[i].TrySetResult();
                    }
                }
            }
        })).ToArray();

        // Resuming subscribers, each subscribing mid-flow and asking for the 30 events before that point.
        var readers = new List<Task<(long After, List<long> Seen)>>();
        var pastSeam = new List<Task>();
        for (var i = 0; i < resumeAt.Length; i++)
        {
            await reached[i].Task.DefaultTimeout();
            var after = resumeAt[i] - 30;
            var subscribedAt = Volatile.Read(ref published);
            var past = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            pastSeam.Add(past.Task);
            readers.Add(ReadUntilEndAsync(_server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = after, Epoch = epoch }), after, subscribedAt + 50, past));
        }

        // Once every subscriber is well past its seam, stop publishing and mark the end.
        await Task.WhenAll(pastSeam).DefaultTimeout(TimeSpan.FromSeconds(30));
        await stopPublishing.CancelAsync();
        await Task.WhenAll(publishers).DefaultTimeout();
        var last = (await PublishAsync(room, EndMarker)).Sequence;

        foreach (var reader in readers)
        {
            var (after, seen) = await reader.DefaultTimeout();
            Assert.Equal(Enumerable.Range((int)after + 1, (int)(last - after)).Select(static i => (long)i), seen);
        }

        static async Task<(long After, List<long> Seen)> ReadUntilEndAsync(AsyncServerStreamingCall<ChatEvent> call, long after, long seamPassedAt, TaskCompletionSource past)
        {
            using (call)
            {
                var seen = new List<long>();
                while (true)
                {
                    var item = await call.ResponseStream.ReadNextAsync(TimeSpan.FromSeconds(30));
                    seen.Add(item.Sequence);
                    if (item.Sequence >= seamPassedAt)
                    {
                        past.TrySetResult();
                    }

                    if (item.Text == EndMarker)
                    {
                        return (after, seen);
                    }
                }
            }
        }
    }

    [Fact]
    public async Task Sequence_EventsOfEveryKind_GrowsByExactlyOne()
    {
        var room = Rooms.Unique();
        await PublishAsync(room, "p1");
        // Replaying the first event proves the subscription is in place before anything else happens.
        using var watcher = _server.Client.Subscribe(new SubscribeRequest { Room = room, Epoch = StaleEpoch });
        var seen = new List<ChatEvent> { await watcher.ResponseStream.ReadNextAsync() };

        using var ann = _server.Client.Chat();
        await ann.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        seen.Add(await watcher.ResponseStream.ReadNextAsync());
        await PublishAsync(room, "p2");
        seen.Add(await watcher.ResponseStream.ReadNextAsync());
        await ann.RequestStream.WriteAsync(new ChatMessage { Text = "a1" }).DefaultTimeout();
        seen.Add(await watcher.ResponseStream.ReadNextAsync());
        using var bob = _server.Client.Chat();
        await bob.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Bob" }).DefaultTimeout();
        seen.Add(await watcher.ResponseStream.ReadNextAsync());
        await bob.RequestStream.CompleteAsync().DefaultTimeout();
        seen.Add(await watcher.ResponseStream.ReadNextAsync());
        await ann.RequestStream.CompleteAsync().DefaultTimeout();
        seen.Add(await watcher.ResponseStream.ReadNextAsync());

        Assert.Equal(
            [
                (1L, Kind.Message, ""), (2L, Kind.Joined, "Ann"), (3L, Kind.Message, ""), (4L, Kind.Message, "Ann"),
                (5L, Kind.Joined, "Bob"), (6L, Kind.Left, "Bob"), (7L, Kind.Left, "Ann"),
            ],
            seen.Select(static e => (e.Sequence, e.Kind, e.Sender)));
        await ann.ResponseStream.ReadToEndAsync();
        await bob.ResponseStream.ReadToEndAsync();
    }

    private async Task<PublishReply> PublishAsync(string room, string text, string sender = "") =>
        await _server.Client.PublishAsync(new PublishRequest { Room = room, Sender = sender, Text = text }).ResponseAsync.DefaultTimeout();

    /// <summary>Publishes m1…mN and returns the room's epoch.</summary>
    private async Task<string> PublishManyAsync(string room, int count)
    {
        var epoch = string.Empty;
        for (var i = 1; i <= count; i++)
        {
            var reply = await PublishAsync(room, "m" + i);
            Assert.Equal(i, reply.Sequence);
            epoch = reply.Epoch;
        }

        return epoch;
    }
}
