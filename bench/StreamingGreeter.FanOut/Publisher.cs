using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using StreamingGreeter.Protos;

namespace StreamingGreeter.FanOut;

/// <summary>
/// Publishes a room's events one unary call at a time, each text the publisher's <see cref="Stopwatch.GetTimestamp"/>
/// (CLOCK_MONOTONIC on Linux, so a subscriber in this process reads latency from it). Never more than a window of
/// events ahead of the slowest subscriber still open, so that no subscriber's server-side buffer overflows; at a fixed
/// rate too, if one is set.
/// </summary>
internal sealed class Publisher(Greeter.GreeterClient client, string room, SubscriberStream[] streams, RunProgress progress, int window, int rate)
{
    private long _published;

    public long Published => _published;

    /// <summary>Publishes <paramref name="count"/> more events, checking that the server numbers them in turn.</summary>
    public async Task PublishAsync(long count, CancellationToken cancellation)
    {
        var start = Stopwatch.GetTimestamp();
        for (var i = 0L; i < count; i++)
        {
            await WaitUntilDeliveredAsync(_published - window + 1, cancellation);
            if (rate > 0)
            {
                // Due times from the start, so a late publish does not push the later ones back; the timer's
                // granularity (about 1 ms) makes high rates bursty, not slower.
                var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
                var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (ahead > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(ahead, cancellation);
                }
            }

            var request = new PublishRequest { Room = room, Sender = "fanout", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) };
            var reply = await client.PublishAsync(request, cancellationToken: cancellation);
            if (reply.Sequence != ++_published)
            {
                throw new InvalidOperationException($"Publish replied sequence {reply.Sequence} where {_published} was due: something else publishes to room {room}");
            }
        }
    }

    /// <summary>Waits until every subscriber still open has received at least <paramref name="events"/> events.</summary>
    public async Task WaitUntilDeliveredAsync(long events, CancellationToken cancellation)
    {
        while (MinDelivered() < events)
        {
            // Registered before the second look, so a delivery in between is not missed.
            var next = progress.NextDelivery();
            if (MinDelivered() >= events)
            {
                break;
            }

            await next.WaitAsync(cancellation);
        }
    }

    /// <summary>The fewest events any subscriber still open has received; <see cref="long.MaxValue"/> once all ended.</summary>
    public long MinDelivered()
    {
        var min = long.MaxValue;
        foreach (var stream in streams)
        {
            if (!stream.Ended)
            {
                min = Math.Min(min, stream.Delivered);
            }
        }

        return min;
    }
}
