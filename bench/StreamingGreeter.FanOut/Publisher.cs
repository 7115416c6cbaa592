using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using StreamingGreeter.Protos;

namespace StreamingGreeter.FanOut;

/// <summary>
/// Publishes a room's events by unary calls, up to <paramref name="inFlight"/> at once (one call at a time would wait,
/// each time, for the server to hand the previous event to every subscriber, and so measure that round trip rather than
/// the server's throughput). Each event's text is the publisher's <see cref="Stopwatch.GetTimestamp"/> (CLOCK_MONOTONIC
/// on Linux, so a subscriber in this process reads latency from it). Never more than <paramref name="window"/> events
/// ahead of the slowest subscriber still open, so that no subscriber's server-side buffer overflows; at a fixed rate
/// too, if one is set.
/// </summary>
internal sealed class Publisher(Greeter.GreeterClient client, string room, SubscriberStream[] streams, RunProgress progress, int window, int rate, int inFlight)
{
    private long _issued;
    private Exception? _failure;

    public long Published => Volatile.Read(ref _issued);

    /// <summary>
    /// Publishes <paramref name="count"/> more events, checking that the server numbers them, each once, next. A call
    /// that fails ends the run at once with its error, rather than leaving it to wait for deliveries that never come.
    /// </summary>
    public async Task PublishAsync(long count, CancellationToken cancellation)
    {
        var first = _issued + 1;
        var numbered = new bool[count];
        using var slots = new SemaphoreSlim(inFlight);
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        var calls = new List<Task>((int)Math.Min(count, 1 << 20));
        var start = Stopwatch.GetTimestamp();
        try
        {
            for (var i = 0L; i < count; i++)
            {
                await WaitUntilDeliveredAsync(_issued - window + 1, failed.Token);
                if (rate > 0)
                {
                    // Due times from the start, so a late publish does not push the later ones back; the timer's
                    // granularity (about 1 ms) makes high rates bursty, not slower.
                    var due = start + (long)(i * (double)Stopwatch.Frequency / rate);
                    var ahead = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                    if (ahead > TimeSpan.FromMilliseconds(1))
                    {
                        await Task.Delay(ahead, failed.Token);
                    }
                }

                await slots.WaitAsync(failed.Token);
                Volatile.Write(ref _issued, _issued + 1);
                calls.Add(PublishOneAsync(slots, first, numbered, failed));
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancellation.IsCancellationRequested)
        {
            // A call failed: its error is thrown below.
        }

        try
        {
            await Task.WhenAll(calls);
        }
        catch when (Volatile.Read(ref _failure) is { } failure)
        {
            // The calls cancelled because of it fail too, and may come first in the list.
            ExceptionDispatchInfo.Throw(failure);
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

    private async Task PublishOneAsync(SemaphoreSlim slots, long first, bool[] numbered, CancellationTokenSource failed)
    {
        try
        {
            var request = new PublishRequest { Room = room, Sender = "fanout", Text = Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture) };
            var reply = await client.PublishAsync(request, cancellationToken: failed.Token);
            var index = reply.Sequence - first;
            lock (numbered)
            {
                if (index < 0 || index >= numbered.Length || numbered[index])
                {
                    throw new InvalidOperationException($"Publish replied sequence {reply.Sequence}, not one of {first} to {first + numbered.Length - 1} not yet seen: something else publishes to room {room}, or the server numbered twice");
                }

                numbered[index] = true;
            }
        }
        catch (Exception error) when (!failed.IsCancellationRequested)
        {
            Interlocked.CompareExchange(ref _failure, error, null);
            await failed.CancelAsync();
            throw;
        }
        finally
        {
            slots.Release();
        }
    }
}
