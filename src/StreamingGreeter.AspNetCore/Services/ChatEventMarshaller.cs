using System.Buffers;
using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// The marshaller of the Greeter's <see cref="ChatEvent"/> responses on the server. The Greeter's own streams write
/// their events' frames themselves (<see cref="FramedResponse"/>); should anything write one through grpc-dotnet
/// instead, it gets the bytes the event was serialized to once (<see cref="EncodedChatEvent.Payload"/>), the same on
/// the wire as the generated marshaller's.
/// </summary>
internal static class ChatEventMarshaller
{
    public static readonly Marshaller<EncodedChatEvent> Instance = Marshallers.Create(
        static (item, context) =>
        {
            var payload = item.Payload;
            context.SetPayloadLength(payload.Length);
            context.GetBufferWriter().Write(payload);
            context.Complete();
        },
        // Not used by the server, which only writes ChatEvents; there for a complete marshaller.
        static context => new EncodedChatEvent(ChatEvent.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));
}
