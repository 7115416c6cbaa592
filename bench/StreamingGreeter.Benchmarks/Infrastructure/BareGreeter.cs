using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>
/// The baseline: the Greeter contract with nothing but Grpc.AspNetCore — no hub, no validation, no limits, no logging.
/// Replies have the same shape and size as the project's, so the difference is the project's own cost.
/// </summary>
public sealed class BareGreeter : Greeter.GreeterBase
{
    // As long as the hub's epochs (a GUID in "N" format), so Chat events are the same size.
    private const string Epoch = "00000000000000000000000000000000";

    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = "Hello, " + request.Name });

    public override async Task SayHelloStream(HelloStreamRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        for (var i = 1; i <= request.Count; i++)
        {
            await responseStream.WriteAsync(new HelloReply { Message = $"Hello, {request.Name} ({i} of {request.Count})" });
        }
    }

    public override async Task<HelloManyReply> SayHelloToMany(IAsyncStreamReader<HelloRequest> requestStream, ServerCallContext context)
    {
        var count = 0;
        var named = new List<string>(3);
        while (await requestStream.MoveNext())
        {
            count++;
            if (named.Count < 3)
            {
                named.Add(requestStream.Current.Name);
            }
        }

        var message = "Hello, " + string.Join(", ", named) + (count > named.Count ? $" and {count - named.Count} others" : "");
        return new HelloManyReply { Message = message, Count = count };
    }

    /// <summary>Echoes every message straight back as an event; the first one (the join) as JOINED.</summary>
    public override async Task Chat(IAsyncStreamReader<ChatMessage> requestStream, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        string? room = null;
        string? sender = null;
        var sequence = 0L;
        while (await requestStream.MoveNext())
        {
            var message = requestStream.Current;
            var first = room is null;
            room ??= message.Room;
            sender ??= message.Sender;
            await responseStream.WriteAsync(new ChatEvent
            {
                Kind = first ? ChatEvent.Types.Kind.Joined : ChatEvent.Types.Kind.Message,
                Room = room,
                Sender = sender,
                Text = message.Text,
                Sequence = ++sequence,
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Epoch = Epoch,
            });
        }
    }
}
