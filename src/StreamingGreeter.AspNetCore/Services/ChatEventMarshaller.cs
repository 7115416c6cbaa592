using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// The marshaller of the Greeter's <see cref="ChatEvent"/> responses on the server: it writes the bytes the event was
/// serialized to once (<see cref="EncodedChatEvent.Payload"/>) instead of serializing the message again for every
/// stream. The bytes on the wire are the same as the generated marshaller's.
/// </summary>
internal static class ChatEventMarshaller
{
    public static readonly Marshaller<EncodedChatEvent> Instance = Marshallers.Create(
        // grpc-dotnet frames the array (prefix, compression if the call has it, the size limit) and copies it into the
        // response; the array is not kept.
        static (item, context) => context.Complete(item.Payload),
        // Not used by the server, which only writes ChatEvents; there for a complete marshaller.
        static context => new EncodedChatEvent(ChatEvent.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));
}
