using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>
/// A server interceptor that tells when a call's handler has returned, for calls that carry the
/// <see cref="CallIdHeader"/> header: proof that a server loop really ended, not just that the client stopped listening.
/// </summary>
public sealed class CallTracker : Interceptor
{
    public const string CallIdHeader = "test-call-id";

    private readonly ConcurrentDictionary<string, TaskCompletionSource<Exception?>> _calls = new(StringComparer.Ordinal);

    public static Metadata Headers(string callId) => new() { { CallIdHeader, callId } };

    /// <summary>Completes when the handler of the call with this id returns, with the exception it ended with, if any.</summary>
    public Task<Exception?> HandlerEnded(string callId) => Get(callId).Task;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var response = default(TResponse);
        await Track(context, async () => response = await continuation(request, context));
        return response!;
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        var response = default(TResponse);
        await Track(context, async () => response = await continuation(requestStream, context));
        return response!;
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation) =>
        Track(context, () => continuation(request, responseStream, context));

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        Track(context, () => continuation(requestStream, responseStream, context));

    private async Task Track(ServerCallContext context, Func<Task> handler)
    {
        var callId = context.RequestHeaders.GetValue(CallIdHeader);
        try
        {
            await handler();
        }
        catch (Exception error) when (callId is not null)
        {
            Get(callId).TrySetResult(error);
            throw;
        }

        if (callId is not null)
        {
            Get(callId).TrySetResult(null);
        }
    }

    private TaskCompletionSource<Exception?> Get(string callId) =>
        _calls.GetOrAdd(callId, static _ => new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously));
}
