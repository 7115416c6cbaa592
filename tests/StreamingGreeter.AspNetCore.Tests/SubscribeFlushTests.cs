using System.IO.Pipelines;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>
/// A subscriber's stream writes the events that are already waiting under one flush (one HTTP/2 DATA frame and system
/// call where they fit), not one flush per event, and hands their bytes to the body a buffer at a time, not an event at
/// a time. The server counts the flushes and the advances of each Subscribe response.
/// </summary>
public sealed class SubscribeFlushTests
{
    [Fact]
    public async Task Subscribe_ReplayOf50Events_FlushedAndAdvancedTogetherNotOneByOne()
    {
        var flushes = new FlushCounter();
        await using var server = await TestServer.StartAsync(services => services.AddSingleton<IStartupFilter>(new CountFlushes(flushes)));
        var client = server.Client;
        var room = Rooms.Unique();
        PublishReply? last = null;
        for (var i = 1; i <= 51; i++)
        {
            last = await client.PublishAsync(new PublishRequest { Room = room, Sender = "Ada", Text = $"m{i}" }).ResponseAsync.DefaultTimeout();
        }

        // Resuming after the first event replays the other 50 from history, all there to send the moment the pump starts.
        using var call = client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 1, Epoch = last!.Epoch, MaxEvents = 50 });
        var events = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal(Enumerable.Range(2, 50).Select(static i => (long)i), events.Select(static e => e.Sequence));
        // One flush for the response headers, one for the 50 events (at most 64 go under one flush), and the end of
        // the call; one flush per event would be 50 or more.
        Assert.InRange(flushes.Count, 1, 5);
        // The 50 frames (about 2 KB) are copied into the body's buffer and handed over at the flush: one advance, or
        // two where they straddle a buffer's end. grpc-dotnet's own writer advances once or more per message.
        Assert.InRange(flushes.Advances, 1, 4);
    }

    private sealed class FlushCounter
    {
        private int _count;
        private int _advances;

        public int Count => Volatile.Read(ref _count);

        public int Advances => Volatile.Read(ref _advances);

        public void Add() => Interlocked.Increment(ref _count);

        public void Advanced() => Interlocked.Increment(ref _advances);
    }

    /// <summary>Puts a flush-counting writer under every Subscribe response, before the gRPC endpoint runs.</summary>
    private sealed class CountFlushes(FlushCounter flushes) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Path.Value?.EndsWith("/Subscribe", StringComparison.Ordinal) == true
                    && context.Features.Get<IHttpResponseBodyFeature>() is { } body)
                {
                    context.Features.Set<IHttpResponseBodyFeature>(new CountingBody(body, flushes));
                }

                return nextMiddleware(context);
            });
            next(app);
        };
    }

    private sealed class CountingBody(IHttpResponseBodyFeature inner, FlushCounter flushes) : IHttpResponseBodyFeature
    {
        private readonly CountingWriter _writer = new(inner.Writer, flushes);

        public Stream Stream => inner.Stream;

        public PipeWriter Writer => _writer;

        public void DisableBuffering() => inner.DisableBuffering();

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default) =>
            inner.SendFileAsync(path, offset, count, cancellationToken);

        public Task CompleteAsync() => inner.CompleteAsync();
    }

    private sealed class CountingWriter(PipeWriter inner, FlushCounter flushes) : PipeWriter
    {
        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        public override void Advance(int bytes)
        {
            flushes.Advanced();
            inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            flushes.Add();
            return inner.FlushAsync(cancellationToken);
        }
    }
}
