using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>What a test server logged (Warning and above, as tests configure it), read by the host's Serilog from DI.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();

    public IReadOnlyList<string> Messages => [.. _events.Select(static e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Everything each event carries, message template, properties and exception included.</summary>
    public IReadOnlyList<string> Everything => [.. _events.Select(static e =>
        $"{e.MessageTemplate.Text} {e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)} {string.Join(' ', e.Properties.Values)} {e.Exception}")];

    /// <summary>The events at Error or above, rendered as <see cref="Everything"/> renders them.</summary>
    public IReadOnlyList<string> Errors => [.. _events.Where(static e => e.Level >= LogEventLevel.Error).Select(static e =>
        $"{e.MessageTemplate.Text} {e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)} {e.Exception}")];

    public void Emit(LogEvent logEvent) => _events.Enqueue(logEvent);
}
