using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Load;

/// <summary>
/// One fan-out measurement: subscribers on one room, spread over several channels; once the server has confirmed every
/// subscription, publishers publish texts that start with their send time (<see cref="Stopwatch"/> ticks), so each
/// delivery yields its publish-to-receive latency; sequence gaps per subscriber count the events it missed.
/// </summary>
/// <remarks>
/// A start marker fixes the sequence the subscribers count gaps from; an end marker, published after the last publish,
/// tells each subscriber that everything before it has been delivered or missed. Per delivery nothing is allocated
/// beyond the message itself: counters are interlocked and latencies go to fixed buckets.
/// <para>
/// Ctrl+C can come at any point, so the report holds whenever it comes: no new publish starts, those already sent get
/// <see cref="AnswerGrace"/> for their answer, the subscribers are stopped, and only then are the figures read. A
/// publish the subscribers received counts even if its answer never came, so deliveries never exceed publishes ×
/// subscribers.
/// </para>
/// </remarks>
internal sealed class FanoutRun(FanoutSettings settings, ServerAddresses addresses, ProgressLine progress)
{
    /// <summary>Streams per channel: under the server's default <c>Greeter:MaxStreamsPerConnection</c> of 100.</summary>
    public const int StreamsPerChannel = 90;

    private const string Sender = "fanout";
    private const string StartMarker = "fanout start";
    private const string EndMarker = "fanout end";

    /// <summary>After the last publish, how long deliveries may stall before the run stops waiting for them.</summary>
    private static readonly TimeSpan QuietLimit = TimeSpan.FromSeconds(3);

    /// <summary>After the last publish, the longest the run waits for subscribers to catch up.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(30);

    /// <summary>After Ctrl+C, how long publishes already sent may take to be answered before they are cut off.</summary>
    private static readonly TimeSpan AnswerGrace = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly LatencyHistogram _latency = new();
    private readonly ConcurrentDictionary<StatusCode, long> _errors = new();
    private readonly TaskCompletionSource _allSubscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _stopSubscribers;
    private int _connections;
    private int _pendingSubscriptions;
    private int _subscribed;
    private int _pendingSubscribers;
    private long _publishes;
    private long _mostReceived;
    private long _deliveries;
    private long _missed;
    private long _began;
    private long _lastDelivery;
    private long _startSequence;
    private string _startEpoch = "";
    private RpcException? _firstError;
    private TimeSpan _elapsed;

    public static int ChannelsFor(int subscribers) => (subscribers + StreamsPerChannel - 1) / StreamsPerChannel;

    public async Task<FanoutReport> RunAsync(CancellationToken cancellationToken)
    {
        bool interrupted;
        try
        {
            interrupted = await RunCoreAsync(cancellationToken);
        }
        catch (Exception error) when (cancellationToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            interrupted = true;
        }

        // Read once every publisher and subscriber has stopped: figures read while they run need not add up.
        return Report(_elapsed, interrupted);
    }

    /// <summary>Runs the measurement to its end; true when Ctrl+C cut it short.</summary>
    private async Task<bool> RunCoreAsync(CancellationToken cancellationToken)
    {
        // Each server of a static list gets its own share of the subscribers' channels. One round-robin channel would
        // place every subscription on whichever server answered first: the picker only holds servers already connected.
        var targets = addresses.IsSingle || addresses.IsDns ? [addresses] : addresses.Uris.Select(ServerAddresses.Of).ToArray();
        var channelCount = targets.Length * ChannelsFor((settings.Subscribers + targets.Length - 1) / targets.Length);
        _connections = channelCount;
        var channels = new List<GrpcChannel>(channelCount + 1);
        using var stopSubscribers = new CancellationTokenSource();
        _stopSubscribers = stopSubscribers.Token;
        _pendingSubscriptions = settings.Subscribers;
        _pendingSubscribers = settings.Subscribers;
        var subscribers = new Task[settings.Subscribers];
        try
        {
            var clients = new Greeter.GreeterClient[channelCount];
            for (var i = 0; i < channelCount; i++)
            {
                // Channel i is on server i % targets, and so is subscriber i: channelCount is a multiple of targets.
                channels.Add(GreeterChannel.Open(targets[i % targets.Length]));
                clients[i] = GreeterChannel.Client(channels[i]);
            }

            channels.Add(GreeterChannel.Open(addresses));
            var publisher = GreeterChannel.Client(channels[^1]);
            for (var i = 0; i < subscribers.Length; i++)
            {
                subscribers[i] = SubscribeAsync(clients[i % channelCount]);
            }

            if (!await WatchAsync(_allSubscribed.Task, () => string.Create(CultureInfo.InvariantCulture, $"subscribed {Volatile.Read(ref _subscribed):N0} of {settings.Subscribers:N0}"), cancellationToken))
            {
                return true;
            }

            if (_subscribed == 0)
            {
                throw _firstError ?? new RpcException(new Status(StatusCode.Unavailable, "no subscription was confirmed"));
            }

            var start = await publisher.PublishAsync(new PublishRequest { Room = settings.Room, Sender = Sender, Text = StartMarker }, cancellationToken: cancellationToken);
            Volatile.Write(ref _startSequence, start.Sequence);
            Volatile.Write(ref _startEpoch, start.Epoch);

            _began = Stopwatch.GetTimestamp();
            // Publishes already sent are cut off only a while after Ctrl+C: their answers count them.
            using var cutOff = new CancellationTokenSource();
            using var cutOffAfterCtrlC = cancellationToken.Register(() => cutOff.CancelAfter(AnswerGrace));
            var publishers = new Task[settings.Publishers];
            for (var i = 0; i < publishers.Length; i++)
            {
                publishers[i] = PublishAsync(publisher, cancellationToken, cutOff.Token);
            }

            var publishing = Task.WhenAll(publishers);
            await WatchAsync(publishing, () => string.Create(CultureInfo.InvariantCulture, $"published {Volatile.Read(ref _publishes):N0}, delivered {Volatile.Read(ref _deliveries):N0}"), cancellationToken);
            await publishing;
            _elapsed = Stopwatch.GetElapsedTime(_began);
            if (!cancellationToken.IsCancellationRequested)
            {
                await DrainAsync(publisher, cancellationToken);
            }

            return cancellationToken.IsCancellationRequested;
        }
        finally
        {
            progress.Clear();
            await stopSubscribers.CancelAsync();
            await Task.WhenAll(subscribers.Where(task => task is not null));
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private FanoutReport Report(TimeSpan elapsed, bool interrupted)
    {
        // A publish cut off before its answer (by Ctrl+C, or a connection that broke) may still have reached the room:
        // whatever one subscriber received was published.
        var publishes = Math.Max(Volatile.Read(ref _publishes), Volatile.Read(ref _mostReceived));
        var lastDelivery = Volatile.Read(ref _lastDelivery);
        var deliverySeconds = lastDelivery > _began && _began != 0 ? (lastDelivery - _began) / (double)Stopwatch.Frequency : 0;
        return new FanoutReport(
            settings,
            Volatile.Read(ref _subscribed),
            _connections,
            elapsed,
            deliverySeconds,
            publishes,
            Volatile.Read(ref _deliveries),
            publishes * Volatile.Read(ref _subscribed),
            Volatile.Read(ref _missed),
            _latency,
            new SortedDictionary<StatusCode, long>(_errors),
            interrupted);
    }

    /// <summary>Waits for <paramref name="task"/>, redrawing the progress line; false when Ctrl+C came first.</summary>
    private async Task<bool> WatchAsync(Task task, Func<string> status, CancellationToken cancellationToken)
    {
        while (!task.IsCompleted)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            progress.Report(status);
            await Task.WhenAny(task, Task.Delay(Tick, CancellationToken.None));
        }

        return true;
    }

    /// <summary>Publishes the end marker (once per server given) and waits until every subscriber reached it, or deliveries stall.</summary>
    private async Task DrainAsync(Greeter.GreeterClient publisher, CancellationToken cancellationToken)
    {
        for (var i = 0; i < addresses.Uris.Count; i++)
        {
            try
            {
                await publisher.PublishAsync(new PublishRequest { Room = settings.Room, Sender = Sender, Text = EndMarker }, cancellationToken: cancellationToken);
            }
            catch (RpcException error) when (!cancellationToken.IsCancellationRequested)
            {
                CountError(error);
            }
        }

        var drainStarted = Stopwatch.GetTimestamp();
        var lastProgress = drainStarted;
        var delivered = Volatile.Read(ref _deliveries);
        while (!_allDone.Task.IsCompleted && !cancellationToken.IsCancellationRequested
            && Stopwatch.GetElapsedTime(lastProgress) < QuietLimit && Stopwatch.GetElapsedTime(drainStarted) < DrainLimit)
        {
            progress.Report(() => string.Create(CultureInfo.InvariantCulture, $"published {Volatile.Read(ref _publishes):N0}, delivered {Volatile.Read(ref _deliveries):N0}; waiting for subscribers to catch up"));
            await Task.WhenAny(_allDone.Task, Task.Delay(Tick, CancellationToken.None));
            var now = Volatile.Read(ref _deliveries);
            if (now != delivered)
            {
                delivered = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
        }
    }

    /// <summary>One publisher: publishes until the time is up or Ctrl+C (<paramref name="cancellationToken"/>); a publish already sent is cancelled only by <paramref name="cutOff"/>.</summary>
    private async Task PublishAsync(Greeter.GreeterClient client, CancellationToken cancellationToken, CancellationToken cutOff)
    {
        var duration = (long)(settings.Duration.TotalSeconds * Stopwatch.Frequency);
        var interval = settings.Rate is { } rate ? (long)(Stopwatch.Frequency * settings.Publishers / rate) : 0;
        var due = Stopwatch.GetTimestamp();
        try
        {
            await PublishLoopAsync(client, duration, interval, due, cancellationToken, cutOff);
        }
        catch (Exception error) when (cancellationToken.IsCancellationRequested && error is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled })
        {
            // Ctrl+C: the run stops and reports what it measured.
        }
    }

    private async Task PublishLoopAsync(Greeter.GreeterClient client, long duration, long interval, long due, CancellationToken cancellationToken, CancellationToken cutOff)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var now = Stopwatch.GetTimestamp();
            if (now - _began >= duration)
            {
                return;
            }

            if (interval > 0)
            {
                // Paced: each publisher's n-th publish is due at n × interval, so a slow call is caught up on.
                var wait = Math.Min(due, _began + duration) - now;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), cancellationToken);
                    continue;
                }

                due += interval;
            }

            try
            {
                // Not cancelled when the time is up, nor at once by Ctrl+C: a publish cut off might still reach the room,
                // and one the server answers is counted the moment its answer comes.
                await client.PublishAsync(new PublishRequest { Room = settings.Room, Sender = Sender, Text = Text(Stopwatch.GetTimestamp()) }, cancellationToken: cutOff);
                Interlocked.Increment(ref _publishes);
            }
            catch (RpcException error) when (!(cancellationToken.IsCancellationRequested && error.StatusCode == StatusCode.Cancelled))
            {
                // A publish that fails during the grace after Ctrl+C failed all the same; the delay then ends the loop.
                CountError(error);
                // A refusal (a rate limit, a server going away) comes back at once: do not spin on it.
                await Task.Delay(10, cancellationToken);
            }
        }
    }

    private string Text(long sentAt)
    {
        var digits = sentAt.ToString(CultureInfo.InvariantCulture);
        return digits.Length >= settings.Size ? digits : digits + " " + new string('x', settings.Size - digits.Length - 1);
    }

    private async Task SubscribeAsync(Greeter.GreeterClient client)
    {
        // Let the caller start every subscription before the first one runs.
        await Task.Yield();
        var confirmed = false;
        try
        {
            using var call = client.Subscribe(new SubscribeRequest { Room = settings.Room }, cancellationToken: _stopSubscribers);
            // The server sends its headers once the subscription is registered.
            await call.ResponseHeadersAsync;
            confirmed = true;
            Subscribed(true);
            var cursor = new Cursor();
            var stream = call.ResponseStream;
            while (await stream.MoveNext(CancellationToken.None))
            {
                if (Take(stream.Current, cursor))
                {
                    return;
                }

                if (settings.ReadDelay > TimeSpan.Zero)
                {
                    await Task.Delay(settings.ReadDelay, _stopSubscribers);
                }
            }
        }
        catch (RpcException error) when (!(_stopSubscribers.IsCancellationRequested && error.StatusCode == StatusCode.Cancelled))
        {
            CountError(error);
        }
        catch (Exception error) when (_stopSubscribers.IsCancellationRequested && error is OperationCanceledException or RpcException)
        {
            // The run is over.
        }
        finally
        {
            if (!confirmed)
            {
                Subscribed(false);
            }

            if (Interlocked.Decrement(ref _pendingSubscribers) == 0)
            {
                _allDone.TrySetResult();
            }
        }
    }

    /// <summary>Counts one event for a subscriber; true once it reached the end marker.</summary>
    private bool Take(ChatEvent item, Cursor cursor)
    {
        var sequence = item.Sequence;
        long gap = 0;
        if (!string.Equals(item.Epoch, cursor.Epoch, StringComparison.Ordinal))
        {
            // The first event, or another server's numbering: count from the start marker where it was numbered, else from here.
            cursor.Epoch = item.Epoch;
            var startSequence = Volatile.Read(ref _startSequence);
            if (item.Text != StartMarker && string.Equals(item.Epoch, Volatile.Read(ref _startEpoch), StringComparison.Ordinal) && sequence > startSequence)
            {
                gap = sequence - startSequence - 1;
            }
        }
        else if (sequence <= cursor.Last)
        {
            return false;
        }
        else
        {
            gap = sequence - cursor.Last - 1;
        }

        cursor.Last = sequence;
        if (gap > 0)
        {
            Interlocked.Add(ref _missed, gap);
        }

        if (item.Kind != ChatEvent.Types.Kind.Message || item.Sender != Sender)
        {
            return false;
        }

        if (item.Text == EndMarker)
        {
            return true;
        }

        if (SentAt(item.Text) is { } sentAt)
        {
            var now = Stopwatch.GetTimestamp();
            _latency.Record((now - sentAt) * 1_000_000 / Stopwatch.Frequency);
            // Each event once per subscriber: what one subscriber received, the run published.
            RaiseTo(ref _mostReceived, ++cursor.Received);
            Interlocked.Increment(ref _deliveries);
            Volatile.Write(ref _lastDelivery, now);
        }

        return false;
    }

    private static long? SentAt(string text)
    {
        var end = text.IndexOf(' ', StringComparison.Ordinal);
        return long.TryParse(text.AsSpan(0, end < 0 ? text.Length : end), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    private static void RaiseTo(ref long highest, long value)
    {
        var seen = Volatile.Read(ref highest);
        while (value > seen)
        {
            var before = Interlocked.CompareExchange(ref highest, value, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }

    private void Subscribed(bool confirmed)
    {
        if (confirmed)
        {
            Interlocked.Increment(ref _subscribed);
        }

        if (Interlocked.Decrement(ref _pendingSubscriptions) == 0)
        {
            _allSubscribed.TrySetResult();
        }
    }

    private void CountError(RpcException error)
    {
        Interlocked.CompareExchange(ref _firstError, error, null);
        _errors.AddOrUpdate(error.StatusCode, 1, (_, count) => count + 1);
    }

    /// <summary>Where one subscriber is in the room: the last sequence seen and its epoch, and how many publishes it received.</summary>
    private sealed class Cursor
    {
        public long Last { get; set; }

        public string Epoch { get; set; } = "";

        public long Received { get; set; }
    }
}
