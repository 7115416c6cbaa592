using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using StreamingGreeter.Server.Internal;

namespace StreamingGreeter.Server.Services;

/// <summary>Holds each HTTP/2 connection to Greeter:MaxStreamsPerConnection open streaming calls.</summary>
internal sealed class StreamLimitInterceptor(ConnectionStreamCounter counter, IOptions<StreamingGreeterOptions> options, GreeterMetrics metrics) : Interceptor
{
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var connection = Enter(context);
        try
        {
            return await continuation(requestStream, context);
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
        finally
        {
            counter.Exit(connection);
        }
    }

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
}
