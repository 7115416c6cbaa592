using System.Buffers;
using System.Text.Json;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// One node's presence of a room as it is stored in Redis: <c>{"s":subscribers,"m":[[sender,identity,connections,joinedUnixMs],…]}</c>.
/// Written and read by hand: small, and no reflection.
/// </summary>
internal static class PresenceCodec
{
    public static byte[] Encode(RoomPresence presence)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + (presence.Members.Count * 48));
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("s", presence.Subscribers);
            json.WriteStartArray("m");
            foreach (var member in presence.Members)
            {
                json.WriteStartArray();
                json.WriteStringValue(member.Sender);
                json.WriteStringValue(member.Identity);
                json.WriteNumberValue(member.Connections);
                json.WriteNumberValue(member.JoinedTime.ToUnixTimeMilliseconds());
                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The part, or null when it is not one this hub wrote (a damaged or foreign value counts for nothing).</summary>
    public static RoomPresence? Decode(ReadOnlyMemory<byte> value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            var subscribers = root.GetProperty("s").GetInt32();
            var members = new List<RoomMember>();
            foreach (var item in root.GetProperty("m").EnumerateArray())
            {
                members.Add(new RoomMember(
                    item[0].GetString() ?? string.Empty,
                    item[1].GetString() ?? string.Empty,
                    item[2].GetInt32(),
                    DateTimeOffset.FromUnixTimeMilliseconds(item[3].GetInt64())));
            }

            return new RoomPresence(members, subscribers);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            return null;
        }
    }
}
