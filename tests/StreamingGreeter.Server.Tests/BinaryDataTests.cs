using System.Text.Json;
using Google.Protobuf;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Tests.Infrastructure;

namespace StreamingGreeter.Server.Tests;

/// <summary>Binary data through the host: between clients of different stacks, and up to Greeter:MaxEventBytes under its shipped settings.</summary>
public sealed class BinaryDataTests
{
    // The part of the contract the Python client uses, with the field numbers of greeter.proto.
    private const string RoomsProto = """
        syntax = "proto3";

        package helloworld;

        service Greeter {
          rpc Subscribe (SubscribeRequest) returns (stream ChatEvent) {}
          rpc Publish (PublishRequest) returns (PublishReply) {}
        }

        message ChatEvent {
          int32 kind = 1;
          string room = 2;
          string sender = 3;
          string text = 4;
          int64 sequence = 5;
          string epoch = 7;
          bytes data = 9;
          string content_type = 10;
        }

        message SubscribeRequest {
          string room = 1;
          int64 after_sequence = 2;
          int32 max_events = 3;
          string epoch = 4;
        }

        message PublishRequest {
          string room = 1;
          string sender = 2;
          string text = 3;
          bytes data = 5;
          string content_type = 6;
        }

        message PublishReply {
          int64 sequence = 1;
          string epoch = 2;
        }

        """;

    // Publishes bytes that are not UTF-8, then replays the room from its start and prints each event, data in hex.
    private const string BinaryClientPy = """
        import json, os, sys
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import grpc
        import rooms_pb2 as pb
        import rooms_pb2_grpc as rpc

        address, room = sys.argv[1], sys.argv[2]
        with grpc.insecure_channel(address) as channel:
            stub = rpc.GreeterStub(channel)
            reply = stub.Publish(pb.PublishRequest(room=room, sender="py", data=bytes([0x00, 0xFF, 0x80, 0xC3]), content_type="application/octet-stream"), timeout=20)
            for event in stub.Subscribe(pb.SubscribeRequest(room=room, epoch=reply.epoch, max_events=reply.sequence), timeout=20):
                print(json.dumps({"sequence": event.sequence, "sender": event.sender, "text": event.text, "data": event.data.hex(), "contentType": event.content_type}))

        """;

    [SkippableFact]
    public async Task PublishAndSubscribe_NonUtf8DataBetweenPythonAndDotNet_BytesArriveExactly()
    {
        Python.RequirePrerequisites();
        var work = Directory.CreateTempSubdirectory("greeter-binary-");
        try
        {
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "rooms.proto"), RoomsProto);
            await File.WriteAllTextAsync(Path.Combine(work.FullName, "binary_client.py"), BinaryClientPy);
            await Python.GenerateAsync(work.FullName, "rooms.proto");
            await using var server = await GreeterServer.StartAsync();
            var room = Rooms.Unique();
            var published = await server.Client.PublishAsync(new PublishRequest
            {
                Room = room,
                Sender = "dotnet",
                Text = "caption",
                Data = ByteString.CopyFrom(0xFF, 0xFE, 0x00, 0x80),
                ContentType = "image/x-test",
            }).ResponseAsync.DefaultTimeout();

            var client = await Python.RunScriptAsync(work.FullName, "binary_client.py", $"127.0.0.1:{server.Port}", room);

            // .NET to Python: the event .NET published, replayed to grpcio with its bytes and content type.
            Assert.True(client.ExitCode == 0, $"the Python client failed: {client.Output}{Environment.NewLine}server: {server.Transcript}");
            var events = client.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(static line => JsonDocument.Parse(line).RootElement).ToList();
            Assert.Equal(2, events.Count);
            Assert.Equal("dotnet", events[0].GetProperty("sender").GetString());
            Assert.Equal("caption", events[0].GetProperty("text").GetString());
            Assert.Equal("fffe0080", events[0].GetProperty("data").GetString());
            Assert.Equal("image/x-test", events[0].GetProperty("contentType").GetString());
            Assert.Equal("00ff80c3", events[1].GetProperty("data").GetString());

            // Python to .NET: what grpcio published, read back by the .NET client from the room's history.
            using var call = server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 1, Epoch = published.Epoch, MaxEvents = 1 });
            var item = await call.ResponseStream.ReadNextAsync();
            Assert.Equal("py", item.Sender);
            Assert.Equal("", item.Text);
            Assert.Equal(new byte[] { 0x00, 0xFF, 0x80, 0xC3 }, item.Data.ToByteArray());
            Assert.Equal("application/octet-stream", item.ContentType);
            server.AssertNoErrorLogs();
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Publish_MaxEventBytesOfDataToTheShippedHost_IsAcceptedAndOneMoreRefused()
    {
        // The host's appsettings must let a full event through its receive limit, so that Greeter:MaxEventBytes answers.
        await using var server = await GreeterServer.StartAsync();
        var room = Rooms.Unique();

        var accepted = await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Data = ByteString.CopyFrom(new byte[64 * 1024]) }).ResponseAsync.DefaultTimeout();
        var error = await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Data = ByteString.CopyFrom(new byte[(64 * 1024) + 1]) }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(1, accepted.Sequence);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("data is 65537 bytes: at most 65536 (Greeter:MaxEventBytes)", error.Status.Detail);
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }
}
