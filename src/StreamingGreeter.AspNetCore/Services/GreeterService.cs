using System.Globalization;
using System.Runtime.ExceptionServices;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Internal;
using StreamingGreeter.AspNetCore.Security;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>The <c>helloworld.Greeter</c> service: greetings, and rooms through the <see cref="IBroadcastHub"/>.</summary>
internal sealed class GreeterService(
    IBroadcastHub hub,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    CallerRateLimits rateLimits,
    SlowSubscriberWarning slowSubscribers,
    IOptions<StreamingGreeterOptions> options,
    IOptions<GrpcServiceOptions> grpcOptions,
    IOptions<GrpcServiceOptions<GreeterService>> grpcServiceOptions,
    ILogger<GreeterService> logger) : GreeterServiceBase
{
    /// <summary>The limit grpc-dotnet would check if it wrote the events itself: the service's if set, else every service's.</summary>
    private readonly int? _maxSendMessageSize = grpcServiceOptions.Value.MaxSendMessageSizeSpecified
        ? grpcServiceOptions.Value.MaxSendMessageSize
        : grpcOptions.Value.MaxSendMessageSize;

    /// <summary>Events a subscriber's stream takes under one flush when they are already waiting.</summary>
    private const int MaxEventsPerFlush = 64;

    public override Task<HelloReply> SayHello(HelloRequest request, ServerCallContext context)
    {
        RequestValidation.Name(request.Name, "name");
        return Task.FromResult(new HelloReply { Message = "Hello, " + request.Name });
    }

    public override async Task SayHelloStream(HelloStreamRequest request, IServerStreamWriter<HelloReply> responseStream, ServerCallContext context)
    {
        RequestValidation.Name(request.Name, "name");
        RequestValidation.Range(request.Count, "count", 1, RequestValidation.MaxCount);
        RequestValidation.Range(request.IntervalMs, "interval_ms", 0, RequestValidation.MaxIntervalMs);
        GreeterLog.GreetingStreamStarted(logger, request.Name, request.Count, request.IntervalMs);

        using var call = LinkToShutdown(context);
        using var writer = NewWriter(context);
        var interval = TimeSpan.FromMilliseconds(request.IntervalMs);
        for (var i = 1; i <= request.Count; i++)
        {
            if (i > 1 && interval > TimeSpan.Zero)
            {
                await Task.Delay(interval, time, call.Token);
            }

            call.Token.ThrowIfCancellationRequested();
            await writer.WriteAsync(responseStream, new HelloReply { Message = $"Hello, {request.Name} ({i} of {request.Count})" });
        }
    }

    public override async Task<HelloManyReply> SayHelloToMany(IAsyncStreamReader<HelloRequest> requestStream, ServerCallContext context)
    {
        using var call = LinkToShutdown(context);
        var greeting = new ManyGreeting();
        while (await requestStream.MoveNext(call.Token))
        {
            var name = requestStream.Current.Name;
            RequestValidation.Name(name, $"name of message {greeting.Count + 1}");
            greeting.Add(name);
        }

        if (greeting.Count == 0)
        {
            throw RequestValidation.Invalid("SayHelloToMany needs at least one name: the stream ended before any HelloRequest");
        }

        GreeterLog.ManyGreeted(logger, greeting.Count);
        return new HelloManyReply { Message = greeting.Compose(), Count = greeting.Count };
    }

    public override async Task Chat(IAsyncStreamReader<ChatMessage> requestStream, IServerStreamWriter<EncodedChatEvent> responseStream, ServerCallContext context)
    {
        using var call = LinkToShutdown(context);
        var first = await ReadJoinAsync(requestStream, call.Token);
        RequestValidation.Room(first.Room);
        var access = CallAccess.Of(context);
        if (access is not null)
        {
            first.Sender = access.SenderFor(first.Sender);
            access.CheckChat(first.Room);
        }

        RequestValidation.Name(first.Sender, "sender");
        RequestValidation.Payload(first.Text, first.Data, first.ContentType, options.Value.MaxEventBytes);
        RequestValidation.MessageId(first.MessageId);
        RequestValidation.Resume(first.AfterSequence, first.Epoch);

        var caller = CallerIdentity.Of(context);
        // The identity presence shows is the token's (as the events' sender is); an anonymous caller's address is not shown.
        var join = new SubscribeOptions { AfterSequence = first.AfterSequence, Epoch = first.Epoch, Member = first.Sender, Caller = caller, Identity = access?.Identity };
        await using var subscription = await hub.SubscribeAsync(first.Room, join, call.Token);
        GreeterLog.ChatJoined(logger, first.Room, first.Sender);

        // Two loops: this one reads the client's messages into the hub; the pump is the only writer of the response.
        var pump = PumpAsync(subscription, context, maxEvents: 0, call);
        Exception? readFailure = null;
        try
        {
            var message = first;
            while (true)
            {
                // A message with neither text nor data says nothing (a join, a resume point): it is not published.
                if (message.Text.Length > 0 || !message.Data.IsEmpty)
                {
                    rateLimits.Publishes.Acquire(caller);
                    // A message whose id the room already has is dropped by the hub: the room saw it once, and so did
                    // this sender, whose echo of the original is in its stream or was replayed to it.
                    var publish = new PublishOptions { Caller = caller, MessageId = NullIfEmpty(message.MessageId), Data = message.Data.Memory, ContentType = message.ContentType };
                    await hub.PublishAsync(first.Room, first.Sender, message.Text, publish, call.Token);
                }

                if (!await requestStream.MoveNext(call.Token))
                {
                    break;
                }

                message = requestStream.Current;
                if (access is not null && message.Sender.Length > 0)
                {
                    access.SenderFor(message.Sender);
                }

                CheckFollowUp(first, message, options.Value.MaxEventBytes);
            }

            await subscription.LeaveAsync(call.Token);
        }
        catch (Exception error)
        {
            readFailure = error;
            await call.CancelAsync();
        }

        try
        {
            await pump;
        }
        catch (OperationCanceledException) when (readFailure is not null)
        {
            // The pump stopped because the read side failed; that failure is the call's outcome.
        }

        if (readFailure is not null)
        {
            ExceptionDispatchInfo.Throw(readFailure);
        }
    }

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<EncodedChatEvent> responseStream, ServerCallContext context)
    {
        RequestValidation.Room(request.Room);
        RequestValidation.Resume(request.AfterSequence, request.Epoch);
        RequestValidation.NotNegative(request.MaxEvents, "max_events");
        CallAccess.Of(context)?.CheckSubscribe(request.Room);

        using var call = LinkToShutdown(context);
        var options = new SubscribeOptions { AfterSequence = request.AfterSequence, Epoch = request.Epoch, Caller = CallerIdentity.Of(context) };
        await using var subscription = await hub.SubscribeAsync(request.Room, options, call.Token);
        GreeterLog.Subscribed(logger, request.Room, request.AfterSequence);
        // Headers now, not with the first event: a client learns at once that it is subscribed, even to a quiet room,
        // and where it can resume from if the call breaks before any event arrives.
        await context.WriteResponseHeadersAsync(
        [
            new Metadata.Entry(SubscribeHeaders.Epoch, subscription.Epoch),
            new Metadata.Entry(SubscribeHeaders.Sequence, subscription.StartSequence.ToString(CultureInfo.InvariantCulture)),
        ]);
        await PumpAsync(subscription, context, request.MaxEvents, call);
    }

    public override async Task<PublishReply> Publish(PublishRequest request, ServerCallContext context)
    {
        RequestValidation.Room(request.Room);
        RequestValidation.OptionalSender(request.Sender);
        RequestValidation.Payload(request.Text, request.Data, request.ContentType, options.Value.MaxEventBytes);
        RequestValidation.MessageId(request.MessageId);
        if (CallAccess.Of(context) is { } access)
        {
            request.Sender = access.SenderFor(request.Sender);
            access.CheckPublish(request.Room);
        }

        var caller = CallerIdentity.Of(context);
        rateLimits.Publishes.Acquire(caller);

        var publish = new PublishOptions { Caller = caller, MessageId = NullIfEmpty(request.MessageId), Data = request.Data.Memory, ContentType = request.ContentType };
        var result = await hub.PublishAsync(request.Room, request.Sender, request.Text, publish, context.CancellationToken);
        return new PublishReply { Sequence = result.Sequence, Epoch = result.Epoch };
    }

    public override async Task<PresenceReply> Presence(PresenceRequest request, ServerCallContext context)
    {
        RequestValidation.Room(request.Room);
        var size = PresencePage.Size(request.PageSize);
        var after = PresencePage.After(request.PageToken);
        // Who is in a room is what its events say: the same grant as reading them.
        CallAccess.Of(context)?.CheckSubscribe(request.Room);
        rateLimits.PresenceReads.Acquire(CallerIdentity.Of(context));
        var presence = await PresenceHub().GetPresenceAsync(request.Room, context.CancellationToken);
        return PresencePage.Reply(presence, size, after);
    }

    public override async Task<PresenceStatsReply> PresenceStats(PresenceStatsRequest request, ServerCallContext context)
    {
        RequestValidation.Room(request.Room);
        CallAccess.Of(context)?.CheckSubscribe(request.Room);
        rateLimits.PresenceReads.Acquire(CallerIdentity.Of(context));
        var presence = await PresenceHub().GetPresenceAsync(request.Room, context.CancellationToken);
        return PresencePage.Stats(presence);
    }

    /// <summary>The hub's presence; an embedding app's own hub may not keep one.</summary>
    private IHubPresence PresenceHub() => hub as IHubPresence
        ?? throw new RpcException(new Status(StatusCode.Unimplemented, $"the hub ({hub.GetType().Name}) does not keep rooms' presence: it does not implement IHubPresence"));

    private async Task<ChatMessage> ReadJoinAsync(IAsyncStreamReader<ChatMessage> requestStream, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ChatJoinTimeout;
        using var join = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        join.CancelAfter(timeout);
        try
        {
            if (!await requestStream.MoveNext(join.Token))
            {
                throw RequestValidation.Invalid("Chat needs a first message naming room and sender: the stream ended before any ChatMessage");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(
                StatusCode.DeadlineExceeded,
                $"Chat's first message (room and sender) did not arrive within {timeout.TotalSeconds:0.###} s (Greeter:ChatJoinTimeout)"));
        }

        return requestStream.Current;
    }

    private static void CheckFollowUp(ChatMessage first, ChatMessage message, int maxEventBytes)
    {
        if (message.Room.Length > 0 && !string.Equals(message.Room, first.Room, StringComparison.Ordinal))
        {
            throw RequestValidation.Invalid($"room \"{message.Room}\" is not the room this chat joined (\"{first.Room}\"): a Chat call stays in one room");
        }

        if (message.Sender.Length > 0 && !string.Equals(message.Sender, first.Sender, StringComparison.Ordinal))
        {
            throw RequestValidation.Invalid($"sender \"{message.Sender}\" is not the sender this chat joined as (\"{first.Sender}\")");
        }

        RequestValidation.Payload(message.Text, message.Data, message.ContentType, maxEventBytes);
        RequestValidation.MessageId(message.MessageId);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    /// <summary>
    /// The one loop per call that writes to the response stream: a response stream takes one pending write at a time.
    /// When it fails it cancels <paramref name="call"/>, so the rest of the call stops too. It writes the events' shared
    /// frames into the response body itself (<see cref="FramedResponse"/>), so the call's response stream, grpc-dotnet's
    /// per-message writer, is not used.
    /// </summary>
    private async Task PumpAsync(IRoomSubscription subscription, ServerCallContext context, int maxEvents, CancellationTokenSource call)
    {
        var events = subscription.Events;
        // Made at the first event rather than with the stream: an idle subscriber, the most common kind, holds neither.
        FramedResponse? body = null;
        ResponseWriter? writer = null;
        var lastSequence = 0L;
        var sent = 0L;
        var limit = maxEvents == 0 ? long.MaxValue : maxEvents;
        try
        {
            while (await events.WaitToReadAsync(call.Token))
            {
                // Events already waiting go out under one flush, and so in as few HTTP/2 frames and system calls as
                // they fit: each event's shared frame is copied into the body, up to a bound, and then flushed once.
                // A lone event, the common case below saturation, is written and flushed in one call. Nothing waits
                // for more events to arrive, so a lone event is not delayed.
                byte[]? last = null;
                var batch = 0;
                try
                {
                    while (batch < MaxEventsPerFlush && sent < limit && events.TryRead(out var item))
                    {
                        // Checked between writes, never during one: a write cut short would lose the call's status.
                        call.Token.ThrowIfCancellationRequested();
                        if (body is null)
                        {
                            body = new FramedResponse(context.GetHttpContext().Response, _maxSendMessageSize);
                            writer = NewWriter(context);
                            await body.StartAsync();
                        }

                        // Each frame is copied once the next one is read, so that a lone one need not be.
                        if (last is not null)
                        {
                            body.Write(last);
                        }

                        last = ChatEventEncoder.Encode(item).Frame;
                        body.CheckSize(last);
                        lastSequence = item.Sequence;
                        sent++;
                        batch++;
                    }
                }
                catch
                {
                    // The status that follows comes after whole messages: a frame copied across the body's buffers
                    // is partly handed over already, and the rest must follow it, or the client reads a message cut
                    // short instead of the status.
                    body?.Commit();
                    throw;
                }

                if (batch == 1 && body!.WritesInOneCall)
                {
                    await writer!.WriteAndFlushAsync(last);
                }
                else if (batch > 0)
                {
                    body!.Write(last!);
                    body.Commit();
                    await writer!.FlushAsync();
                }

                if (sent == limit)
                {
                    return;
                }
            }
        }
        catch (SubscriberOverflowException overflow)
        {
            await call.CancelAsync();
            GreeterLog.SubscriberOverflowed(logger, subscription.Room, lastSequence);
            slowSubscribers.Report(subscription.Room);
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted,
                $"{overflow.Message} (Hub:SubscriberBufferCapacity); subscribe again with after_sequence={lastSequence} and epoch={subscription.Epoch} to resume"));
        }
        catch
        {
            if (writer?.TimedOut == true)
            {
                GreeterLog.WriteTimedOut(logger, subscription.Room, lastSequence);
            }

            await call.CancelAsync();
            throw;
        }
        finally
        {
            writer?.Dispose();
        }
    }

    private ResponseWriter NewWriter(ServerCallContext context) => new(context, options.Value.WriteTimeout, time, lifetime.ApplicationStopping);

    /// <summary>The call's own token, cut short by shutdown and, for an authenticated stream, by its token's expiry.</summary>
    private CancellationTokenSource LinkToShutdown(ServerCallContext context) => CallAccess.Of(context) is { Expired.CanBeCanceled: true } access
        ? CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping, access.Expired)
        : CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
}
