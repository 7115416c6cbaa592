using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// Turns a hub event into its protobuf form once, however many subscribers receive it: the
/// <see cref="EncodedChatEvent"/> is kept in the event's <see cref="RoomEvent.TransportState"/> and only read afterwards,
/// which makes it safe to share between calls.
/// </summary>
/// <remarks>
/// Every field comes from the event itself, none from the call that sends it, so every subscriber (gRPC and the event
/// stream alike) can be sent the same message and the same bytes. A field that differed per subscriber would have to
/// be sent otherwise than through this shared encoding.
/// </remarks>
internal static class ChatEventEncoder
{
    public static EncodedChatEvent Encode(RoomEvent item)
    {
        if (item.TransportState is EncodedChatEvent cached)
        {
            return cached;
        }

        var encoded = new EncodedChatEvent(new ChatEvent
        {
            Kind = item.Kind switch
            {
                RoomEventKind.Message => ChatEvent.Types.Kind.Message,
                RoomEventKind.Joined => ChatEvent.Types.Kind.Joined,
                RoomEventKind.Left => ChatEvent.Types.Kind.Left,
                _ => ChatEvent.Types.Kind.Unspecified,
            },
            Room = item.Room,
            Sender = item.Sender,
            Text = item.Text,
            Sequence = item.Sequence,
            Time = Timestamp.FromDateTimeOffset(item.Time),
            Epoch = item.Epoch,
            MessageId = item.MessageId ?? string.Empty,
            // Wrapped, not copied: a RoomEvent's data never changes once published (the hub copied the publisher's).
            Data = item.Data.IsEmpty ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(item.Data),
            ContentType = item.ContentType,
        });

        // Subscribers racing here all get the first one's encoding, so that the event's bytes are made once. Should
        // the slot hold something else's state, this call's encoding is used unshared: correct, only not cached.
        return item.GetOrSetTransportState(encoded) as EncodedChatEvent ?? encoded;
    }
}
