using Grpc.Core;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using StreamingGreeter.Server.Services;

namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// Grpc.HealthCheck's health service, whose Watch streams end with UNAVAILABLE when the server shuts down. Its own
/// Watch runs until the client cancels it, so one watching load balancer would hold the shutdown until
/// HostOptions:ShutdownTimeout ran out.
/// </summary>
internal sealed class StoppingHealthService(IHostApplicationLifetime lifetime) : HealthServiceImpl
{
    public override async Task Watch(HealthCheckRequest request, IServerStreamWriter<HealthCheckResponse> responseStream, ServerCallContext context)
    {
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        // Whether the NOT_SERVING that shutdown sets is written first depends on the order the stopping token's
        // callbacks run in; the status that ends the stream says it either way.
        await base.Watch(request, responseStream, new CancelledWith(context, call.Token));
        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, GreeterCallInterceptor.ShuttingDownMessage));
        }
    }

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
