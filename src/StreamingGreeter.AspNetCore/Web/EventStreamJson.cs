using System.Buffers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using StreamingGreeter.Hub;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>The data of the event stream's events, in JSON.</summary>
internal static class EventStreamJson
{
    /// <summary>
    /// Protobuf's JSON mapping of the very ChatEvent the gRPC service sends (field names in lowerCamelCase, int64 as a
    /// string, the kind by its enum name, time in RFC 3339), every field present even when empty, so that a browser
    /// reads the same fields a gRPC client does.
    /// </summary>
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private static readonly Func<ChatEvent, string> Format = Formatter.Format;

    /// <summary>The event's data, formatted once however many streams send it.</summary>
    public static string Event(RoomEvent item) => ChatEventEncoder.Encode(item).Json(Format);

    /// <summary>The first event of every stream: the room's epoch and where the stream starts in it.</summary>
    public static string Epoch(string room, string epoch, long afterSequence, bool reset) => Write(writer =>
    {
        writer.WriteString("room", room);
        writer.WriteString("epoch", epoch);
        writer.WriteNumber("afterSequence", afterSequence);
        writer.WriteBoolean("reset", reset);
    });

    /// <summary>The last event of a stream the server ends: the gRPC code the same end has for Subscribe, and why.</summary>
    public static string Error(string code, string message) => Write(writer =>
    {
        writer.WriteString("code", code);
        writer.WriteString("message", message);
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
