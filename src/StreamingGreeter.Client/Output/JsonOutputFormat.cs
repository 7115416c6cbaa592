using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamingGreeter.Client.Load;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>
/// One JSON object per line for scripts. Every object has <c>type</c>: <c>reply</c>, <c>event</c>, <c>notice</c>,
/// <c>member</c> and <c>presence</c> for <c>greeter who</c>, or <c>fanout</c> for the figures of <c>greeter load fanout</c>.
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
        // Only when set, as protobuf's JSON mapping would: a text-only event prints as it always did. Base64, not
        // text, whatever the content type: a script gets the bytes exactly.
        if (!item.Data.IsEmpty)
        {
            json.WriteString("data", EventData.Base64(item.Data));
        }

        if (item.ContentType.Length > 0)
        {
            json.WriteString("contentType", item.ContentType);
        }

        json.WriteNumber("sequence", item.Sequence);
        json.WriteString("epoch", item.Epoch);
        if (item.Time is { } time)
        {
            json.WriteString("time", time.ToDateTimeOffset());
        }
    });

    public string Member(string room, PresenceReply.Types.Member member) => Write(json =>
    {
        json.WriteString("type", "member");
        json.WriteString("room", room);
        json.WriteString("sender", member.Sender);
        json.WriteString("identity", member.Identity);
        json.WriteNumber("connections", member.Connections);
        if (member.JoinedTime is { } joined)
        {
            json.WriteString("joinedTime", joined.ToDateTimeOffset());
        }
    });

    public string Stats(string room, PresenceStatsReply stats) => Write(json =>
    {
        json.WriteString("type", "presence");
        json.WriteString("room", room);
        json.WriteNumber("members", stats.Members);
        json.WriteNumber("identities", stats.Identities);
        json.WriteNumber("subscribers", stats.Subscribers);
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

    public string Report(FanoutReport report) => Write(json =>
    {
        var settings = report.Settings;
        json.WriteString("type", "fanout");
        json.WriteString("room", settings.Room);
        json.WriteNumber("subscribers", settings.Subscribers);
        json.WriteNumber("subscribed", report.Subscribed);
        json.WriteNumber("connections", report.Connections);
        json.WriteNumber("publishers", settings.Publishers);
        json.WriteNumber("durationSeconds", Math.Round(report.Elapsed.TotalSeconds, 3));
        json.WriteNumber("publishes", report.Publishes);
        json.WriteNumber("publishesPerSecond", Math.Round(report.PublishesPerSecond, 1));
        json.WriteNumber("deliveries", report.Deliveries);
        json.WriteNumber("expectedDeliveries", report.ExpectedDeliveries);
        json.WriteNumber("deliveriesPerSecond", Math.Round(report.DeliveriesPerSecond, 1));
        json.WriteNumber("missedEvents", report.MissedEvents);
        json.WriteStartObject("latencyMs");
        json.WriteNumber("p50", report.Latency.PercentileMicroseconds(50) / 1000.0);
        json.WriteNumber("p90", report.Latency.PercentileMicroseconds(90) / 1000.0);
        json.WriteNumber("p99", report.Latency.PercentileMicroseconds(99) / 1000.0);
        json.WriteNumber("max", report.Latency.MaxMicroseconds / 1000.0);
        json.WriteEndObject();
        json.WriteStartObject("errors");
        foreach (var (code, count) in report.Errors)
        {
            json.WriteNumber(code.ToString(), count);
        }

        json.WriteEndObject();
        json.WriteBoolean("interrupted", report.Interrupted);
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
