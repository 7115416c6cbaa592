using StreamingGreeter.Shared;
using Serilog.Core;
using Serilog.Events;


namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// Keeps clients that go away out of the standalone host's error log, where ASP.NET Core and grpc-dotnet put them
/// outside the service's reach: grpc-dotnet's "Error when executing service method" for a unary call whose connection
/// broke while grpc-dotnet itself read the request or wrote the reply, and the Critical lines Kestrel's HTTP/2 layer
/// writes per stream when a client drops a busy connection or trips its rapid-reset defence (at most one of each per
/// Greeter:ConnectionWarningInterval gets through).
/// </summary>
internal sealed class DisconnectLogFilter(TimeSpan interval, TimeProvider time) : ILogEventFilter
{
    private const string GrpcCallHandler = "Grpc.AspNetCore.Server.ServerCallHandler";
    private const string KestrelHttp2 = "Microsoft.AspNetCore.Server.Kestrel.Http2";

    private readonly WarningThrottle _queueExceeded = new(interval, time);
    private readonly WarningThrottle _dataRemaining = new(interval, time);

    public bool IsEnabled(LogEvent logEvent)
    {
        if (logEvent.Level < LogEventLevel.Error
            || !logEvent.Properties.TryGetValue("SourceContext", out var source) || source is not ScalarValue { Value: string category })
        {
            return true;
        }

        return category switch
        {
            // Logged at Information instead when grpc-dotnet sees the request aborted in time; Kestrel marks it so on
            // the thread pool, so under load grpc-dotnet often sees the transport's exception first.
            GrpcCallHandler => !(EventName(logEvent) == "ErrorExecutingServiceMethod" && FromTransport(logEvent.Exception)),
            KestrelHttp2 => EventName(logEvent) switch
            {
                "Http2QueueOperationsExceeded" => _queueExceeded.Count(out _),
                "Http2UnexpectedDataRemaining" => _dataRemaining.Count(out _),
                _ => true,
            },
            _ => true,
        };
    }

    /// <summary>A connection reset, aborted or closed under a read or write: Kestrel's IOException or ConnectionAbortedException.</summary>
    private static bool FromTransport(Exception? error) =>
        error is IOException or Microsoft.AspNetCore.Connections.ConnectionAbortedException
        || (error is InvalidOperationException && error.Message.Contains("request is complete", StringComparison.Ordinal));

    private static string? EventName(LogEvent logEvent) =>
        logEvent.Properties.TryGetValue("EventId", out var id) && id is StructureValue structure
            && structure.Properties.FirstOrDefault(static p => p.Name == "Name")?.Value is ScalarValue { Value: string name }
            ? name : null;
}
