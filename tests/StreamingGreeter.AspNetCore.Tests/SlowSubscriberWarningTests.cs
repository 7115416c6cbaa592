using StreamingGreeter.AspNetCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Dropped subscribers are reported as a count, at most once per interval, never once per subscriber.</summary>
public sealed class SlowSubscriberWarningTests
{
    [Fact]
    public void Report_ManyDropsWithinInterval_OneWarningThenOneCountingTheRest()
    {
        var time = new ManualTimeProvider();
        var logger = new RecordingLogger();
        var options = Options.Create(new StreamingGreeterOptions { SlowSubscriberWarningInterval = TimeSpan.FromSeconds(10) });
        var warning = new SlowSubscriberWarning(options, time, logger);

        warning.Report("a");
        for (var i = 0; i < 50; i++)
        {
            warning.Report("b");
        }

        Assert.Single(logger.Entries);
        time.Advance(TimeSpan.FromSeconds(10));
        warning.Report("c");

        Assert.Equal(2, logger.Entries.Count);
        Assert.All(logger.Entries, entry => Assert.Equal((LogLevel.Warning, "SubscribersDroppedForFallingBehind"), (entry.Level, entry.Event.Name)));
        Assert.StartsWith("1 subscribers", logger.Entries[0].Message, StringComparison.Ordinal);
        Assert.StartsWith("51 subscribers", logger.Entries[1].Message, StringComparison.Ordinal);
        Assert.Contains("room c", logger.Entries[1].Message, StringComparison.Ordinal);
    }

    private sealed class RecordingLogger : ILogger<SlowSubscriberWarning>
    {
        public List<(LogLevel Level, EventId Event, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, eventId, formatter(state, exception)));
    }
}
