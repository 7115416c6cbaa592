using System.Globalization;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>Lines for people: <c>12:01:02 bob: hi</c>, <c>* ann joined</c>, <c>! missed events 120–135</c>.</summary>
internal sealed class TextOutputFormat : IOutputFormat
{
    public string Reply(HelloReply reply) => reply.Message;

    public string Reply(HelloManyReply reply) => reply.Message;

    public string Reply(PublishReply reply) =>
        string.Create(CultureInfo.InvariantCulture, $"published #{reply.Sequence} (epoch {reply.Epoch})");

    public string Event(ChatEvent item) => item.Kind switch
    {
        ChatEvent.Types.Kind.Joined => $"* {item.Sender} joined",
        ChatEvent.Types.Kind.Left => $"* {item.Sender} left",
        _ when item.Sender.Length == 0 => $"{Time(item)} {item.Text}",
        _ => $"{Time(item)} {item.Sender}: {item.Text}",
    };

    public string Notice(Notice notice) => notice switch
    {
        Output.Notice.HistoryRestarted => "! history restarted",
        Output.Notice.Missed { From: var from, To: var to } when from == to =>
            string.Create(CultureInfo.InvariantCulture, $"! missed event {from}"),
        Output.Notice.Missed { From: var from, To: var to } =>
            string.Create(CultureInfo.InvariantCulture, $"! missed events {from}–{to}"),
        _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, "unknown notice"),
    };

    private static string Time(ChatEvent item) =>
        item.Time is { } time
            ? time.ToDateTimeOffset().ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : "--:--:--";
}
