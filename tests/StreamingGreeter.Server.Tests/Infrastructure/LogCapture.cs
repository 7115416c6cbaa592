using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>
/// What a test server logged (Warning and above, as tests configure it, unless a test turns a category up), read by the
/// host's Serilog from DI.
/// </summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<LogEvent, bool> Match, int Count, TaskCompletionSource Reached)> _waiters = [];

    public IReadOnlyList<string> Messages => [.. _events.Select(static e => e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Everything each event carries, message template, properties and exception included.</summary>
    public IReadOnlyList<string> Everything => [.. _events.Select(Describe)];

    /// <summary>Every event at Error or above, described as <see cref="Everything"/> does.</summary>
    public IReadOnlyList<string> Errors => [.. _events.Where(static e => e.Level >= LogEventLevel.Error).Select(Describe)];

    /// <summary>The name of an event logged through Microsoft.Extensions.Logging, e.g. "ErrorExecutingServiceMethod".</summary>
    public static string? EventName(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var id) && id is StructureValue structure
            ? structure.Properties.FirstOrDefault(static p => p.Name == "Name")?.Value is ScalarValue { Value: string name } ? name : null
            : null;

    /// <summary>Completes once <paramref name="count"/> events matching <paramref name="match"/> were logged.</summary>
    public Task WaitForAsync(Func<LogEvent, bool> match, int count = 1)
    {
        lock (_gate)
        {
            if (_events.Count(match) >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, count, reached));
            return reached.Task;
        }
    }

    public void Emit(LogEvent logEvent)
    {
        lock (_gate)
        {
            _events.Enqueue(logEvent);
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                var (match, count, reached) = _waiters[i];
                if (_events.Count(match) >= count)
                {
                    reached.TrySetResult();
                    _waiters.RemoveAt(i);
                }
            }
        }
    }

    private static string Describe(LogEvent e) =>
        $"{e.MessageTemplate.Text} {e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)} {string.Join(' ', e.Properties.Values)} {e.Exception}";
}
