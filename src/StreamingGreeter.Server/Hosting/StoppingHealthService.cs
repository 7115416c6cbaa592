using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;

namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// Grpc.HealthCheck's health service, whose Watch streams end with UNAVAILABLE when the server shuts down. Its own
/// Watch runs until the client cancels it, so one watching load balancer would hold the shutdown until
/// HostOptions:ShutdownTimeout ran out.
/// </summary>
internal sealed class StoppingHealthService : HealthServiceImpl, IDisposable
{
    /// <summary>The words the Greeter's own streams end with at shutdown.</summary>
    private const string ShuttingDownMessage = "server shutting down: reconnect and resume with after_sequence and epoch";

    private readonly CancellationTokenSource _stopped = new();

    /// <summary>
    /// Ends every Watch stream, after the statuses already set: <see cref="HealthStatusService"/> calls it once it has
    /// reported NOT_SERVING, so that watchers hear that before their stream ends.
    /// </summary>
    public void EndWatches() => _stopped.Cancel();

    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopped.Token);
        // Watch writes what is queued before it looks at its token again, so the last status goes out first.
        await base.Watch(request, responseStream, new CancelledWith(context, call.Token));
        if (_stopped.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ShuttingDownMessage));
        }
    }

    public void Dispose() => _stopped.Dispose();

    /// <summary>The call's context with another cancellation token; everything else is the call's own.</summary>
    private sealed class CancelledWith(ServerCallContext inner, CancellationToken token) : ServerCallContext
    {
        protected override string MethodCore => inner.Method;

        protected override string HostCore => inner.Host;

        protected override string PeerCore => inner.Peer;

        protected override DateTime DeadlineCore => inner.Deadline;

        protected override Metadata RequestHeadersCore => inner.RequestHeaders;

        protected override CancellationToken CancellationTokenCore => token;

        protected override Metadata ResponseTrailersCore => inner.ResponseTrailers;

        protected override Status StatusCore
        {
            get => inner.Status;
            set => inner.Status = value;
        }

        protected override WriteOptions? WriteOptionsCore
        {
            get => inner.WriteOptions;
            set => inner.WriteOptions = value;
        }

        protected override AuthContext AuthContextCore => inner.AuthContext;

        protected override IDictionary<object, object> UserStateCore => inner.UserState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => inner.CreatePropagationToken(options);

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => inner.WriteResponseHeadersAsync(responseHeaders);
    }
}
