using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>
/// One JSON object per line for scripts. Every object has <c>type</c>: <c>reply</c>, <c>event</c> or <c>notice</c>.
/// </summary>
internal sealed class JsonOutputFormat : IOutputFormat
{
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public string Reply(HelloReply reply) => Write(json =>
    {
        json.WriteString("type", "reply");
        json.WriteString("message", reply.Message);
    });

    public string Reply(HelloManyReply reply) => Write(json =>
    {
        json.WriteString("type", "reply");
        json.WriteString("message", reply.Message);
        json.WriteNumber("count", reply.Count);
    });

    public string Reply(PublishReply reply) => Write(json =>
    {
        json.WriteString("type", "reply");
        json.WriteNumber("sequence", reply.Sequence);
        json.WriteString("epoch", reply.Epoch);
    });

    public string Event(ChatEvent item) => Write(json =>
    {
        json.WriteString("type", "event");
        json.WriteString("kind", item.Kind switch
        {
            ChatEvent.Types.Kind.Message => "message",
            ChatEvent.Types.Kind.Joined => "joined",
            ChatEvent.Types.Kind.Left => "left",
            _ => "unspecified",
        });
        json.WriteString("room", item.Room);
        json.WriteString("sender", item.Sender);
        json.WriteString("text", item.Text);
        json.WriteNumber("sequence", item.Sequence);
        json.WriteString("epoch", item.Epoch);
        if (item.Time is { } time)
        {
            json.WriteString("time", time.ToDateTimeOffset());
        }
    });

    public string Notice(Notice notice) => Write(json =>
    {
        json.WriteString("type", "notice");
        switch (notice)
        {
            case Output.Notice.HistoryRestarted restarted:
                json.WriteString("notice", "history-restarted");
                json.WriteString("epoch", restarted.Epoch);
                break;
            case Output.Notice.Missed missed:
                json.WriteString("notice", "missed");
                json.WriteNumber("from", missed.From);
                json.WriteNumber("to", missed.To);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(notice), notice, "unknown notice");
        }
    });

    private static string Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            body(json);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
