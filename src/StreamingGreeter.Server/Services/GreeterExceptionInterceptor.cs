using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Hub;
using StreamingGreeter.Server.Internal;

namespace StreamingGreeter.Server.Services;

/// <summary>
/// Gives the Greeter's calls the status their failure means — shutdown and an unreachable backplane are UNAVAILABLE,
/// a hub limit RESOURCE_EXHAUSTED —
/// and counts refused requests.
/// </summary>
internal sealed class GreeterExceptionInterceptor(IHostApplicationLifetime lifetime, GreeterMetrics metrics, ILogger<GreeterExceptionInterceptor> logger) : Interceptor
{
    public const string ShuttingDownMessage = "server shutting down: reconnect and resume with after_sequence and epoch";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception error) when (Translate(error) is { } status)
        {
            throw status;
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception error) when (Translate(error) is { } status)
        {
            throw status;
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception error) when (Translate(error) is { } status)
        {
            throw status;
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception error) when (Translate(error) is { } status)
        {
            throw status;
        }
    }

    private RpcException? Translate(Exception error)
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
            default:
                return null;
        }
    }
}
