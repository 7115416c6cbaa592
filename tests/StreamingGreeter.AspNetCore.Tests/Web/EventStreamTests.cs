using System.Net;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>GET /rooms/{room}/events: a room's events as server-sent events, resumed exactly as Subscribe resumes.</summary>
public sealed class EventStreamTests
{
    [Fact]
    public async Task Events_PublishedThroughGrpc_ArriveWithEpochSequenceIdsAndTheChatEventJson()
    {
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        using var grpc = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await grpc.ResponseHeadersAsync.DefaultTimeout();
        using var events = await server.OpenAsync($"/rooms/{room}/events");
        var epoch = await events.ReadAsync("epoch");

        var reply = await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "hello \"web\"\nline two", MessageId = "m-1" }).ResponseAsync.DefaultTimeout();
        var sent = await events.ReadAsync("message");
        var viaGrpc = await grpc.ResponseStream.ReadNextAsync();

        Assert.Equal(HttpStatusCode.OK, events.Status);
        Assert.Equal($"{reply.Epoch}:0", epoch.Id);
        Assert.Equal(reply.Epoch, epoch.Json.GetProperty("epoch").GetString());
        Assert.False(epoch.Json.GetProperty("reset").GetBoolean());
        Assert.Equal($"{reply.Epoch}:{reply.Sequence}", sent.Id);
        Assert.Equal(viaGrpc, sent.ChatEvent);
        Assert.Equal("KIND_MESSAGE", sent.Json.GetProperty("kind").GetString());
        Assert.Equal("m-1", sent.Json.GetProperty("messageId").GetString());
        Assert.Equal("1", sent.Json.GetProperty("sequence").GetString());
    }

    [Fact]
    public async Task Events_DataAndContentType_ArriveAsBase64AndContentTypeInTheChatEventJson()
    {
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        using var events = await server.OpenAsync($"/rooms/{room}/events");
        await events.ReadAsync("epoch");

        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Data = Google.Protobuf.ByteString.CopyFrom(0x00, 0xFF, 0x80), ContentType = "application/octet-stream" }).ResponseAsync.DefaultTimeout();
        var sent = await events.ReadAsync("message");

        Assert.Equal("AP+A", sent.Json.GetProperty("data").GetString());
        Assert.Equal("application/octet-stream", sent.Json.GetProperty("contentType").GetString());
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x80 }, sent.ChatEvent.Data.ToByteArray());
    }

    [Fact]
    public async Task Events_ReconnectingWithLastEventIdWhileOthersPublish_NoGapAndNoDuplicate()
    {
        const int Total = 400;
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        var first = await server.PublishAsync(room, "1");
        var publishing = Task.Run(async () =>
        {
            for (var i = 2; i <= Total; i++)
            {
                await server.PublishAsync(room, i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
        });

        var seen = new List<long>();
        var lastId = $"{first.Epoch}:0";
        var connections = 0;
        while (seen.Count == 0 || seen[^1] < Total)
        {
            connections++;
            Assert.True(connections < 200, $"still not at {Total} after {connections} connections: saw up to {seen.LastOrDefault()}");
            using var events = await server.OpenAsync($"/rooms/{room}/events", request => request.Headers.Add("Last-Event-ID", lastId));
            var epoch = await events.ReadAsync("epoch");
            Assert.Equal(lastId, epoch.Id);
            // A few events, then the connection breaks, as a network does, wherever the publisher is.
            for (var i = 0; i < 7 && (seen.Count == 0 || seen[^1] < Total); i++)
            {
                var next = await events.ReadAsync("message");
                seen.Add(next.Sequence);
                Assert.Equal(next.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), next.ChatEvent.Text);
                lastId = next.Id!;
            }
        }

        await publishing.DefaultTimeout();
        Assert.Equal(Enumerable.Range(1, Total).Select(static i => (long)i), seen);
        // Each broken connection is a client going away, which is normal: the server's disposal fails on an Error.
    }

    [Fact]
    public async Task Events_AfterQueryParameter_ReplaysWhatFollowsThenGoesLive()
    {
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        PublishReply? last = null;
        for (var i = 1; i <= 5; i++)
        {
            last = await server.PublishAsync(room, $"m{i}");
        }

        using var events = await server.OpenAsync($"/rooms/{room}/events?after={last!.Epoch}:3");
        var epoch = await events.ReadAsync("epoch");
        var replayed = new[] { await events.ReadAsync("message"), await events.ReadAsync("message") };
        await server.PublishAsync(room, "live");
        var live = await events.ReadAsync("message");

        Assert.Equal($"{last.Epoch}:3", epoch.Id);
        Assert.Equal(3, epoch.Json.GetProperty("afterSequence").GetInt64());
        Assert.Equal(new long[] { 4, 5 }, replayed.Select(static e => e.Sequence));
        Assert.Equal(6, live.Sequence);
        Assert.Equal("live", live.ChatEvent.Text);
    }

    [Fact]
    public async Task Events_ResumingInAnotherEpoch_EpochEventSaysResetAndTheRetainedHistoryIsReplayed()
    {
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        var first = await server.PublishAsync(room, "one");
        await server.PublishAsync(room, "two");

        // An epoch the room no longer has, as after the room's history restarted (a server restart, lost Redis keys).
        using var events = await server.OpenAsync($"/rooms/{room}/events", request => request.Headers.Add("Last-Event-ID", "stale-epoch:7"));
        var epoch = await events.ReadAsync("epoch");
        var replayed = new[] { await events.ReadAsync("message"), await events.ReadAsync("message") };

        Assert.True(epoch.Json.GetProperty("reset").GetBoolean());
        Assert.Equal(first.Epoch, epoch.Json.GetProperty("epoch").GetString());
        Assert.Equal($"{first.Epoch}:0", epoch.Id);
        Assert.Equal(new[] { "one", "two" }, replayed.Select(static e => e.ChatEvent.Text));
        Assert.All(replayed, e => Assert.StartsWith(first.Epoch + ":", e.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_QuietRoom_HeartbeatCommentsKeepTheStreamAlive()
    {
        await using var server = await WebServer.StartAsync("Web:HeartbeatInterval=00:00:00.050");
        var room = Rooms.Unique();
        using var events = await server.OpenAsync($"/rooms/{room}/events");
        await events.ReadAsync("epoch");

        string? line;
        do
        {
            line = await events.ReadLineAsync();
        }
        while (line is not null && !line.StartsWith(':'));
        await server.PublishAsync(room, "still here");
        var after = await events.ReadAsync("message");

        Assert.Equal(": heartbeat", line);
        Assert.Equal("still here", after.ChatEvent.Text);
    }

    [Fact]
    public async Task Events_ServerShutsDown_StreamEndsWithErrorEventUnavailable()
    {
        var server = await WebServer.StartAsync();
        await using (server)
        {
            var room = Rooms.Unique();
            using var events = await server.OpenAsync($"/rooms/{room}/events");
            await events.ReadAsync("epoch");

            var stopping = server.StopAsync();
            var error = await events.ReadAsync("error");
            var end = await events.ReadAsync();
            await stopping;

            Assert.Equal("UNAVAILABLE", error.Json.GetProperty("code").GetString());
            Assert.StartsWith("server shutting down", error.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Null(end);
        }
    }

    [Fact]
    public async Task Events_OnTheGrpcEndpoint_NotFoundWhileGrpcWorksThere()
    {
        await using var server = await WebServer.StartAsync();
        var room = Rooms.Unique();
        using var http2 = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.GrpcAddress, $"/rooms/{room}/events"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };

        using var response = await http2.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var reply = await server.PublishAsync(room, "grpc");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(1, reply.Sequence);
    }
}
