using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;
using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// The Greeter's one interceptor. It holds each HTTP/2 connection to Greeter:MaxStreamsPerConnection open streaming
/// calls, gives calls the status their failure means — shutdown and an unreachable backplane are UNAVAILABLE, a hub
/// limit RESOURCE_EXHAUSTED, a client that went away CANCELLED, logged at Debug rather than as an error — and counts
/// refused and abandoned calls.
/// </summary>
/// <remarks>
/// One interceptor rather than two: grpc-dotnet wraps every interceptor of a service in an async stage of its own on
/// every call, unary ones included. A unary call that completes synchronously passes through without a state machine.
/// </remarks>
internal sealed class GreeterCallInterceptor(
    ConnectionStreamCounter counter,
    IOptions<StreamingGreeterOptions> options,
    IHostApplicationLifetime lifetime,
    GreeterMetrics metrics,
    ILogger<GreeterCallInterceptor> logger) : Interceptor
{
    public const string ShuttingDownMessage = "server shutting down: reconnect and resume with after_sequence and epoch";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Task<TResponse> call;
        try
        {
            call = continuation(request, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }

        return call.IsCompletedSuccessfully ? call : AwaitUnaryAsync(call, context);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var connection = Enter(context);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
        finally
        {
            counter.Exit(connection);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var connection = Enter(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
        finally
        {
            counter.Exit(connection);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var connection = Enter(context);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
        finally
        {
            counter.Exit(connection);
        }
    }

    private async Task<TResponse> AwaitUnaryAsync<TResponse>(Task<TResponse> call, ServerCallContext context)
    {
        try
        {
            return await call;
        }
        catch (Exception error) when (Translate(error, context) is { } status)
        {
            throw status;
        }
    }

    /// <summary>Counts a streaming call against its connection, or refuses it: the refusal is RESOURCE_EXHAUSTED.</summary>
    private string Enter(ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection.Id;
        var limit = options.Value.MaxStreamsPerConnection;
        if (!counter.TryEnter(connection, limit))
        {
            metrics.Rejected(RejectionReasons.StreamsPerConnection);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"this connection already has {limit} open streaming calls (Greeter:MaxStreamsPerConnection); open another connection"));
        }

        return connection;
    }

    private RpcException? Translate(Exception error, ServerCallContext context)
    {
        switch (error)
        {
            case OperationCanceledException when lifetime.ApplicationStopping.IsCancellationRequested:
                GreeterLog.StreamEndedByShutdown(logger);
                return new RpcException(new Status(StatusCode.Unavailable, ShuttingDownMessage));
            case HubUnavailableException unavailable:
                GreeterLog.HubUnavailable(logger, unavailable.Message);
                return new RpcException(new Status(StatusCode.Unavailable, unavailable.Message));
            case HubLimitExceededException limit:
                metrics.Rejected(limit.Reason);
                return new RpcException(new Status(StatusCode.ResourceExhausted, limit.Message));
            case RpcException { StatusCode: StatusCode.InvalidArgument }:
                metrics.Rejected(RejectionReasons.InvalidArgument);
                return null;
            case RpcException { StatusCode: StatusCode.Unauthenticated }:
                metrics.Rejected(RejectionReasons.Unauthenticated);
                return null;
            case RpcException { StatusCode: StatusCode.PermissionDenied }:
                metrics.Rejected(RejectionReasons.PermissionDenied);
                return null;
            case Exception when ClientWentAway(error, context):
                metrics.Abandoned(context.Method);
                GreeterLog.CallAbandoned(logger, context.Method, error.Message);
                return new RpcException(new Status(StatusCode.Cancelled, "the client cancelled the call or went away", error));
            default:
                return null;
        }
    }

    /// <summary>
    /// Whether a call failed because its client cancelled it or its connection went away: Kestrel fails the stream's
    /// reads and writes with an IOException ("The client reset the request stream") or a ConnectionAbortedException,
    /// the call's token ends its waits, and grpc-dotnet refuses reads and writes after the request was aborted.
    /// </summary>
    /// <remarks>
    /// grpc-dotnet logs a handler's IOException or OperationCanceledException at Information only when it already
    /// sees the request aborted, and anything else at Error with its stack. Kestrel cancels that token on the thread
    /// pool after failing the stream, so under load the handler often fails first: the exception's kind is the
    /// evidence here, not that token. A deadline's cancellation is left to grpc-dotnet, which answers DEADLINE_EXCEEDED.
    /// </remarks>
    private static bool ClientWentAway(Exception error, ServerCallContext context) => error switch
    {
        IOException or ConnectionAbortedException => context.Deadline > DateTime.UtcNow,
        OperationCanceledException or InvalidOperationException =>
            context.CancellationToken.IsCancellationRequested && context.Deadline > DateTime.UtcNow,
        _ => false,
    };
}
