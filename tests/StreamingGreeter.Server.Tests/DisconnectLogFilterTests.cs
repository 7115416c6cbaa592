using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using Serilog.Parsing;
using StreamingGreeter.Server.Hosting;

namespace StreamingGreeter.Server.Tests;

/// <summary>What clients that go away make grpc-dotnet and Kestrel log at Error or above is dropped or rate-limited.</summary>
public sealed class DisconnectLogFilterTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void IsEnabled_GrpcErrorForATransportException_Dropped()
    {
        var filter = new DisconnectLogFilter(TimeSpan.FromSeconds(10), _time);

        Assert.False(filter.IsEnabled(Event("Grpc.AspNetCore.Server.ServerCallHandler", "ErrorExecutingServiceMethod", new IOException("The client reset the request stream."))));
        Assert.True(filter.IsEnabled(Event("Grpc.AspNetCore.Server.ServerCallHandler", "ErrorExecutingServiceMethod", new InvalidOperationException("a bug"))));
    }

    [Fact]
    public void IsEnabled_RepeatedKestrelCritical_OnePerInterval()
    {
        var filter = new DisconnectLogFilter(TimeSpan.FromSeconds(10), _time);
        var critical = Event("Microsoft.AspNetCore.Server.Kestrel.Http2", "Http2UnexpectedDataRemaining", null, LogEventLevel.Fatal);

        var passed = Enumerable.Range(0, 300).Count(_ => filter.IsEnabled(critical));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(1, passed);
        Assert.True(filter.IsEnabled(critical));
    }

    private static LogEvent Event(string category, string eventName, Exception? error, LogEventLevel level = LogEventLevel.Error) => new(
        DateTimeOffset.UtcNow,
        level,
        error,
        new MessageTemplateParser().Parse("x"),
        [
            new LogEventProperty("SourceContext", new ScalarValue(category)),
            new LogEventProperty("EventId", new StructureValue([new LogEventProperty("Id", new ScalarValue(1)), new LogEventProperty("Name", new ScalarValue(eventName))])),
        ]);
}
