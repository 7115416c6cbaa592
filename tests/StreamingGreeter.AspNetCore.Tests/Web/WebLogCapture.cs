using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>Every log line of a <see cref="WebServer"/>, message and exception.</summary>
public sealed class WebLogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(WebLogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture._lines.Enqueue($"{logLevel} {category} [{eventId.Name}] {formatter(state, exception)} {state} {exception}");
    }
}
