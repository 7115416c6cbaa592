using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// Turns a hub event into its protobuf form once, however many subscribers receive it: the message is cached on the
/// event and only read afterwards, which makes it safe to share between calls.
/// </summary>
internal static class ChatEventEncoder
{
    public static ChatEvent Encode(RoomEvent item)
    {
        if (item.TransportState is ChatEvent cached)
        {
            return cached;
        }

        var encoded = new ChatEvent
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
        };

        // Two subscribers may race here; either result is correct, and the loser's copy is simply dropped.
        item.TransportState = encoded;
        return encoded;
    }
}
