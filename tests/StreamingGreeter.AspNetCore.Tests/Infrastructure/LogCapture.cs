using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>
/// What a test server logged (Warning and above, as tests configure it, unless a test turns a category up through
/// Logging:LogLevel), as a logging provider of the server's own. Every event at Error or above that the test did not
/// declare with <see cref="AllowErrors(string[])"/> fails the test when the server is disposed.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<LogEntry> _events = new();
    private readonly Lock _gate = new();
    private readonly List<(Func<LogEntry, bool> Match, int Count, TaskCompletionSource Reached)> _waiters = [];
    private readonly ConcurrentBag<Func<LogEntry, bool>> _allowed = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public IReadOnlyList<string> Messages => [.. _events.Select(static e => e.Message)];

    /// <summary>Everything each event carries: category, event, message template, properties, scopes and exception.</summary>
    public IReadOnlyList<string> Everything => [.. _events.Select(static e => e.Describe())];

    /// <summary>Every event at Error or above, described as <see cref="Everything"/> does.</summary>
    public IReadOnlyList<string> Errors => [.. _events.Where(static e => e.Level >= LogLevel.Error).Select(static e => e.Describe())];

    /// <summary>The events at Error or above that no <see cref="AllowErrors(string[])"/> declared.</summary>
    public IReadOnlyList<string> UnexpectedErrors =>
        [.. _events.Where(e => e.Level >= LogLevel.Error && !_allowed.Any(allowed => allowed(e))).Select(static e => $"{e.Level}: {e.Describe()}")];

    /// <summary>The name of an event, e.g. "ErrorExecutingServiceMethod".</summary>
    public static string? EventName(LogEntry logEvent) => logEvent.EventId.Name;

    /// <summary>
    /// Declares events at Error or above, by event name, that this test expects the server to log; any other fails the
    /// test at the server's disposal. Say at the call why they are expected.
    /// </summary>
    public void AllowErrors(params string[] eventNames)
    {
        foreach (var name in eventNames)
        {
            _allowed.Add(e => string.Equals(e.EventId.Name, name, StringComparison.Ordinal));
        }
    }

    /// <summary>Declares the events at Error or above matching <paramref name="match"/> expected, as <see cref="AllowErrors(string[])"/> does.</summary>
    public void AllowErrors(Func<LogEntry, bool> match) => _allowed.Add(match);

    /// <summary>Completes once <paramref name="count"/> events matching <paramref name="match"/> were logged.</summary>
    public Task WaitForAsync(Func<LogEntry, bool> match, int count = 1)
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

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        lock (_gate)
        {
            _events.Enqueue(entry);
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

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => capture._scopes.Push(state);

        // Levels are filtered before a provider's logger is asked: by Logging:LogLevel from the test's settings.
        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            KeyValuePair<string, object?>[] properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? [.. pairs] : [];
            var scopes = new List<string>();
            capture._scopes.ForEachScope(static (scope, list) => list.Add(Render(scope)), scopes);
            capture.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), properties, scopes, exception));
        }

        private static string Render(object? scope) => scope is IEnumerable<KeyValuePair<string, object?>> pairs
            ? string.Join(' ', pairs.Select(static p => $"{p.Key}={p.Value}"))
            : $"{scope}";
    }
}
