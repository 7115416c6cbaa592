using Microsoft.Extensions.Logging;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>One event a test server logged, as <see cref="LogCapture"/> received it.</summary>
public sealed record LogEntry(
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyList<KeyValuePair<string, object?>> Properties,
    IReadOnlyList<string> Scopes,
    Exception? Exception)
{
    /// <summary>Everything the event carries, in one line (the exception's on the lines after).</summary>
    public string Describe() =>
        $"{Category} {EventId.Id} {EventId.Name} {Message} {string.Join(' ', Properties.Select(static p => $"{p.Key}={p.Value}"))} {string.Join(' ', Scopes)} {Exception}";
}
