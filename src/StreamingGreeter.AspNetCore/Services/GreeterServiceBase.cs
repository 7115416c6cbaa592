using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// The <c>helloworld.Greeter</c> service as the generated <see cref="Greeter.GreeterBase"/> declares it, except that the
/// streams of <see cref="ChatEvent"/>s take <see cref="EncodedChatEvent"/>s: an event is serialized once and its bytes
/// written to every stream (<see cref="ChatEventMarshaller"/>). grpc-dotnet finds the binding through the attribute,
/// as it finds the generated one; the methods, their names and the bytes on the wire are the generated service's.
/// </summary>
[BindServiceMethod(typeof(GreeterServiceBinder), nameof(GreeterServiceBinder.BindService))]
internal abstract class GreeterServiceBase
{
    public abstract Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context);

    public abstract Task SayHelloStream(HelloStreamRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context);

    public abstract Task<HelloManyReply> SayHelloToMany(IAsyncStreamReader<HelloRequest> requestStream, ServerCallContext context);

    public abstract Task Chat(IAsyncStreamReader<ChatMessage> requestStream, IServerStreamWriter<EncodedChatEvent> responseStream, ServerCallContext context);

    public abstract Task Subscribe(SubscribeRequest request, IServerStreamWriter<EncodedChatEvent> responseStream, ServerCallContext context);

    public abstract Task<PublishReply> Publish(PublishRequest request, ServerCallContext context);

    public abstract Task<PresenceReply> Presence(PresenceRequest request, ServerCallContext context);

    public abstract Task<PresenceStatsReply> PresenceStats(PresenceStatsRequest request, ServerCallContext context);
}
