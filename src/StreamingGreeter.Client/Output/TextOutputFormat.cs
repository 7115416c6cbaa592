using System.Globalization;
using StreamingGreeter.Client.Load;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>Lines for people: <c>12:01:02 bob: hi</c>, <c>* ann joined</c>, <c>! missed events 120–135</c>.</summary>
/// <remarks>
/// Every string from the server goes through <see cref="TerminalText.Escape"/>: one event is one line, whatever its
/// sender or text holds.
/// </remarks>
internal sealed class TextOutputFormat : IOutputFormat
{
    public string Reply(HelloReply reply) => TerminalText.Escape(reply.Message);

    public string Reply(HelloManyReply reply) => TerminalText.Escape(reply.Message);

    public string Reply(PublishReply reply) =>
        string.Create(CultureInfo.InvariantCulture, $"published #{reply.Sequence} (epoch {TerminalText.Escape(reply.Epoch)})");

    public string Event(ChatEvent item)
    {
        var sender = TerminalText.Escape(item.Sender);
        return item.Kind switch
        {
            ChatEvent.Types.Kind.Joined => $"* {sender} joined",
            ChatEvent.Types.Kind.Left => $"* {sender} left",
            _ when sender.Length == 0 => $"{Time(item)} {Body(item)}",
            _ => $"{Time(item)} {sender}: {Body(item)}",
        };
    }

    /// <summary><c>ann  identity ann  2 connections  joined 2026-12-01 13:45:02Z</c>; an empty identity is <c>-</c>.</summary>
    public string Member(string room, PresenceReply.Types.Member member)
    {
        var identity = member.Identity.Length == 0 ? "-" : TerminalText.Escape(member.Identity);
        var joined = member.JoinedTime is { } time ? time.ToDateTimeOffset().ToString("u", CultureInfo.InvariantCulture) : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"{TerminalText.Escape(member.Sender)}  identity {identity}  {member.Connections} {(member.Connections == 1 ? "connection" : "connections")}  joined {joined}");
    }

    public string Stats(string room, PresenceStatsReply stats) => string.Create(CultureInfo.InvariantCulture,
        $"room {TerminalText.Escape(room)}: {stats.Members} members, {stats.Identities} identities, {stats.Subscribers} subscribers");

    public string Notice(Notice notice) => notice switch
    {
        Output.Notice.HistoryRestarted => "! history restarted",
        Output.Notice.Missed { From: var from, To: var to } when from == to =>
            string.Create(CultureInfo.InvariantCulture, $"! missed event {from}"),
        Output.Notice.Missed { From: var from, To: var to } =>
            string.Create(CultureInfo.InvariantCulture, $"! missed events {from}–{to}"),
        _ => throw new ArgumentOutOfRangeException(nameof(notice), notice, "unknown notice"),
    };

    public string Report(FanoutReport report)
    {
        var settings = report.Settings;
        var latency = report.Latency;
        var lines = new List<string>
        {
            Invariant($"fanout on room {TerminalText.Escape(settings.Room)}: {report.Subscribed:N0} of {settings.Subscribers:N0} subscribers on {report.Connections:N0} connection(s), {settings.Publishers} publisher(s) for {report.Elapsed.TotalSeconds:0.0} s"),
            Invariant($"publishes      {report.Publishes:N0} ({report.PublishesPerSecond:N0}/s)"),
            Invariant($"deliveries     {report.Deliveries:N0} of {report.ExpectedDeliveries:N0} expected ({report.DeliveriesPerSecond:N0}/s)"),
            Invariant($"missed events  {report.MissedEvents:N0}"),
            Invariant($"latency        p50 {Milliseconds(latency.PercentileMicroseconds(50))}, p90 {Milliseconds(latency.PercentileMicroseconds(90))}, p99 {Milliseconds(latency.PercentileMicroseconds(99))}, max {Milliseconds(latency.MaxMicroseconds)}"),
            "errors         " + (report.Errors.Count == 0 ? "none" : string.Join(", ", report.Errors.Select(error => Invariant($"{error.Key} {error.Value:N0}")))),
        };
        if (report.Interrupted)
        {
            lines.Add("interrupted: the figures so far");
        }

        return string.Join(Environment.NewLine, lines);
    }

    /// <summary>The text, then the data when there is any: <c>see this [text/csv] a,b</c>.</summary>
    private static string Body(ChatEvent item)
    {
        var text = TerminalText.Escape(item.Text);
        var data = EventData.Describe(item);
        return data.Length == 0 ? text : text.Length == 0 ? data : $"{text} {data}";
    }

    private static string Milliseconds(long microseconds) => Invariant($"{microseconds / 1000.0:0.00} ms");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Time(ChatEvent item) =>
        item.Time is { } time
            ? time.ToDateTimeOffset().ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)
            : "--:--:--";
}
