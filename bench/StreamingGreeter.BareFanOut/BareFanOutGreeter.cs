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
    /// <summary>As the project's pump: at most this many waiting events under one flush.</summary>
    private const int MaxEventsPerFlush = 64;

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
            // The events are framed already, so they go into the response body as they are, the waiting ones copied
            // together and flushed once; grpc-dotnet still starts the response and writes the trailers.
            var body = context.GetHttpContext().Response.BodyWriter;
            var frames = channel.Reader;
            var limit = request.MaxEvents == 0 ? int.MaxValue : request.MaxEvents;
            var sent = 0;
            while (await frames.WaitToReadAsync(context.CancellationToken))
            {
                var buffer = body.GetSpan();
                var used = 0;
                var batch = 0;
                while (batch++ < MaxEventsPerFlush && sent < limit && frames.TryRead(out var frame))
                {
                    if (frame.Length > buffer.Length - used)
                    {
                        body.Advance(used);
                        buffer = body.GetSpan(frame.Length);
                        used = 0;
                    }

                    frame.CopyTo(buffer[used..]);
                    used += frame.Length;
                    sent++;
                }

                body.Advance(used);
                await body.FlushAsync(context.CancellationToken);
                if (sent == limit)
                {
                    return;
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
