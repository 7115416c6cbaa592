using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.BareFanOut;

/// <summary>
/// SayHello, and Subscribe and Publish over <see cref="BareRooms"/>, of the Greeter contract; the other methods are
/// unimplemented. SayHello is the generated base's plain reply, for the unary comparison under h2load.
/// </summary>
internal sealed class BareFanOutGreeter(BareRooms rooms) : Greeter.GreeterBase
{
    private static readonly WriteOptions Buffered = new(WriteFlags.BufferHint);

    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context) =>
        Task.FromResult(new HelloReply { Message = "Hello, " + request.Name });

    public override Task<PublishReply> Publish(PublishRequest request, ServerCallContext context) =>
        Task.FromResult(new PublishReply { Sequence = rooms.Get(request.Room).Publish(request.Sender, request.Text) });

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<ChatEvent> responseStream, ServerCallContext context)
    {
        var room = rooms.Get(request.Room);
        var (channel, startSequence) = room.Subscribe();
        try
        {
            // Headers at once, as the project's server sends them: the client knows it is subscribed.
            await context.WriteResponseHeadersAsync([new Metadata.Entry("greeter-sequence", startSequence.ToString(CultureInfo.InvariantCulture))]);
            var events = channel.Reader;
            var sent = 0;
            while (await events.WaitToReadAsync(context.CancellationToken))
            {
                while (events.TryRead(out var chatEvent))
                {
                    // Events already waiting go out under one flush, as the project's pump sends them.
                    var last = ++sent == request.MaxEvents;
                    responseStream.WriteOptions = !last && events.TryPeek(out _) ? Buffered : null;
                    await responseStream.WriteAsync(chatEvent);
                    if (last)
                    {
                        return;
                    }
                }
            }
        }
        catch (InvalidOperationException overflow) when (overflow.Message.StartsWith("subscriber fell", StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, overflow.Message));
        }
        finally
        {
            room.Unsubscribe(channel);
        }
    }
}
