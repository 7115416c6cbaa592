using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;
using StreamingGreeter.AspNetCore.Internal;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// <c>GET /rooms/{room}/events</c>: a room's events as server-sent events, checked, limited and resumed as Subscribe
/// is. A refusal is problem details with the HTTP status of the gRPC status Subscribe would get.
/// </summary>
internal sealed class RoomEventsEndpoint(
    IBroadcastHub hub,
    WebAuthentication authentication,
    ConnectionStreamCounter streams,
    GreeterMetrics metrics,
    SlowSubscriberWarning slowSubscribers,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    IOptions<StreamingGreeterOptions> greeter,
    IOptions<StreamingGreeterWebOptions> web,
    ILogger<RoomEventsEndpoint> logger)
{
    public const string Pattern = "/rooms/{room}/events";

    private readonly RoomEventStreamSettings _settings = new(
        time, web.Value.HeartbeatInterval, greeter.Value.WriteTimeout, lifetime.ApplicationStopping, slowSubscribers, logger);

    public async Task<IResult> HandleAsync(HttpContext http, string room)
    {
        string? field = null;
        CallAccess? access = null;
        Action? release = null;
        IRoomSubscription? subscription = null;
        try
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                throw new OperationCanceledException(lifetime.ApplicationStopping);
            }

            field = "room";
            RequestValidation.Room(room);
            var from = Position(http, ref field);
            field = null;
            if (authentication.Required)
            {
                access = await authentication.AuthenticateAsync(http);
                access.CheckSubscribe(room);
            }

            release = Enter(http);
            using var subscribing = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
            var options = new SubscribeOptions { AfterSequence = from?.AfterSequence ?? 0, Epoch = from?.Epoch, Caller = CallerIdentity.Of(http) };
            subscription = await hub.SubscribeAsync(room, options, subscribing.Token);
            var stream = new RoomEventStream(http, subscription, from, access, release, _settings);
            // However the request ends, even before the stream is read, the subscription goes with it.
            http.Response.RegisterForDisposeAsync(stream);
            // Proxies such as nginx buffer responses by default, which would hold events back.
            http.Response.Headers["X-Accel-Buffering"] = "no";
            return TypedResults.ServerSentEvents(stream.ReadAsync());
        }
        catch (Exception error) when (Refusal(error, field, http) is { } refusal)
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }

            release?.Invoke();
            access?.Dispose();
            return refusal;
        }
    }

    /// <summary>Last-Event-ID, sent by an EventSource that reconnects, wins over the <c>after</c> it was first opened with.</summary>
    private static ResumePosition? Position(HttpContext http, ref string? field)
    {
        if (http.Request.Headers[ResumePosition.Header].ToString() is { Length: > 0 } lastEventId)
        {
            field = ResumePosition.Header;
            return ResumePosition.Parse(lastEventId, ResumePosition.Header);
        }

        if (http.Request.Query[ResumePosition.QueryParameter].ToString() is { Length: > 0 } after)
        {
            field = ResumePosition.QueryParameter;
            return ResumePosition.Parse(after, ResumePosition.QueryParameter);
        }

        return null;
    }

    /// <summary>
    /// Counts the stream against its HTTP/2 connection under Greeter:MaxStreamsPerConnection, with the connection's
    /// gRPC streams; an HTTP/1.1 connection carries one request at a time and is held by the connection limits.
    /// </summary>
    private Action? Enter(HttpContext http)
    {
        if (!HttpProtocol.IsHttp2(http.Request.Protocol))
        {
            return null;
        }

        var connection = http.Connection.Id;
        var limit = greeter.Value.MaxStreamsPerConnection;
        if (!streams.TryEnter(connection, limit))
        {
            metrics.Rejected(RejectionReasons.StreamsPerConnection);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"this connection already has {limit} open streams (Greeter:MaxStreamsPerConnection); open another connection"));
        }

        var released = 0;
        return () =>
        {
            if (Interlocked.Exchange(ref released, 1) == 0)
            {
                streams.Exit(connection);
            }
        };
    }

    private IResult? Refusal(Exception error, string? field, HttpContext http)
    {
        IResult? refusal;
        switch (error)
        {
            case OperationCanceledException when lifetime.ApplicationStopping.IsCancellationRequested:
                refusal = Refuse(http, StatusCode.Unavailable, RoomEventStream.ShuttingDownMessage);
                break;
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                // The client went away while it was being subscribed: there is nobody to answer.
                return Results.Empty;
            case HubUnavailableException unavailable:
                refusal = Refuse(http, StatusCode.Unavailable, unavailable.Message);
                break;
            case HubLimitExceededException limit:
                metrics.Rejected(limit.Reason);
                refusal = Refuse(http, StatusCode.ResourceExhausted, limit.Message, limit: limit.Reason);
                break;
            case RpcException rpc:
                Count(rpc.StatusCode);
                refusal = Refuse(http, rpc.StatusCode, rpc.Status.Detail, rpc.StatusCode == StatusCode.InvalidArgument ? field : null);
                break;
            default:
                return null;
        }

        return refusal;
    }

    private IResult Refuse(HttpContext http, StatusCode code, string detail, string? field = null, string? limit = null)
    {
        WebLog.EventStreamRefused(logger, http.Request.RouteValues["room"] as string ?? "", WebProblems.HttpStatus(code), detail);
        if (code == StatusCode.Unauthenticated)
        {
            // RFC 6750: a 401 names the scheme it wants.
            http.Response.Headers.WWWAuthenticate = "Bearer";
        }

        return WebProblems.From(code, detail, field, limit);
    }

    private void Count(StatusCode code)
    {
        var reason = code switch
        {
            StatusCode.InvalidArgument => RejectionReasons.InvalidArgument,
            StatusCode.Unauthenticated => RejectionReasons.Unauthenticated,
            StatusCode.PermissionDenied => RejectionReasons.PermissionDenied,
            _ => null,
        };
        if (reason is not null)
        {
            metrics.Rejected(reason);
        }
    }
}
