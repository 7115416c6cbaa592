using System.Globalization;
using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;
using StreamingGreeter.Hub.Internal;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// A room as one node sees it: a subscription to the room's notification channel and one loop that reads the room's
/// stream in order and appends each event to the local replica, from which the in-memory machinery fans it out.
/// Notifications only ring a doorbell; the loop reads whatever is new, so a lost or coalesced notification costs
/// nothing but latency until the next one.
/// </summary>
/// <remarks>
/// The loop reads after the last sequence it delivered, so a room that starts again in Redis at a lower sequence (its
/// keys deleted or evicted while the node has it open) would leave it waiting for ids that come much later, if ever.
/// Notifications carry the epoch: one of another epoch makes the loop check the room's epoch in Redis and close the
/// replica if it changed, so that subscribers resume.
/// </remarks>
internal sealed class RedisRoom
{
    private const int BatchSize = 256;

    private readonly RedisBroadcastHub _hub;
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly CancellationTokenSource _stop = new();
    private readonly Action<RedisChannel, RedisValue> _onNotified;
    private readonly Lock _waitersGate = new();
    private readonly Lazy<Task<Room>> _started;
    private List<(long Sequence, TaskCompletionSource Done)>? _waiters;
    private byte[]? _notificationPrefix;
    private long _delivered;
    private bool _stopped;
    private bool _epochInDoubt;

    public RedisRoom(RedisBroadcastHub hub, string name)
    {
        _hub = hub;
        Name = name;
        var prefix = hub.KeyPrefix + "room:" + name;
        Meta = prefix + ":meta";
        Log = prefix + ":log";
        Notifications = RedisChannel.Literal(prefix + ":events");
        _onNotified = (_, notification) => Notified(notification);
        _started = new Lazy<Task<Room>>(StartAsync);
    }

    public string Name { get; }

    public RedisKey Meta { get; }

    public RedisKey Log { get; }

    public RedisChannel Notifications { get; }

    /// <summary>The local replica, once started; read without a lock by lookups.</summary>
    public Room? Replica { get; private set; }

    /// <summary>Opens the room on this node once, however many subscribers ask at the same time.</summary>
    public Task<Room> StartedAsync() => _started.Value;

    public void Ring() => _doorbell.Writer.TryWrite(true);

    /// <summary>Completes once the loop has handed the event with <paramref name="sequence"/> to local subscribers, or stopped.</summary>
    public Task WaitDeliveredAsync(long sequence)
    {
        lock (_waitersGate)
        {
            if (_stopped || _delivered >= sequence)
            {
                return Task.CompletedTask;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_waiters ??= []).Add((sequence, done));
            Ring();
            return done.Task;
        }
    }

    /// <summary>Stops the loop and releases the notification channel; called once the replica has left the local hub.</summary>
    public void Stop()
    {
        List<(long Sequence, TaskCompletionSource Done)>? waiters;
        lock (_waitersGate)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            waiters = _waiters;
            _waiters = null;
        }

        _stop.Cancel();
        _doorbell.Writer.TryComplete();
        foreach (var (_, done) in waiters ?? [])
        {
            done.TrySetResult();
        }

        _hub.Release(this, _onNotified);
    }

    private void Notified(RedisValue notification)
    {
        // "<epoch> <sequence>" from the append script. Before the replica is open any epoch is fine: it opens at the current one.
        if (Volatile.Read(ref _notificationPrefix) is { } prefix && !notification.StartsWith(prefix.AsSpan()))
        {
            Volatile.Write(ref _epochInDoubt, true);
        }

        Ring();
    }

    private async Task<Room> StartAsync()
    {
        // Subscribed before the snapshot, so nothing appended after it goes unnoticed.
        await _hub.Subscriber.SubscribeAsync(Notifications, _onNotified);
        var opened = (RedisResult[])(await _hub.Database.ScriptEvaluateAsync(
            RedisScripts.Open,
            [Meta, Log],
            [Guid.NewGuid().ToString("N"), _hub.HistorySize, _hub.KeyExpiryMilliseconds]))!;
        var epoch = (string)opened[0]!;
        var sequence = (long)opened[1];
        var entries = (RedisResult[])opened[2]!;

        // Newest first from Redis; the replica wants the contiguous run that ends at the last sequence, oldest first.
        var history = new List<RoomEvent>(entries.Length);
        var expected = sequence;
        foreach (var entry in entries)
        {
            var parts = (RedisResult[])entry!;
            var item = Parse((string)parts[0]!, (RedisValue[])parts[1]!);
            if (item.Sequence != expected || item.Epoch != epoch)
            {
                break;
            }

            history.Add(item);
            expected--;
        }

        history.Reverse();
        _delivered = sequence;
        var replica = _hub.Opened(Name, epoch, sequence, history);
        Replica = replica;
        Volatile.Write(ref _notificationPrefix, Encoding.UTF8.GetBytes(epoch + " "));
        _ = Task.Run(() => RunAsync(replica));
        Ring();
        return replica;
    }

    private async Task RunAsync(Room replica)
    {
        try
        {
            while (await _doorbell.Reader.WaitToReadAsync(_stop.Token))
            {
                _doorbell.Reader.TryRead(out _);
                while (await ReadBatchAsync(replica))
                {
                }

                if (Volatile.Read(ref _epochInDoubt))
                {
                    Volatile.Write(ref _epochInDoubt, false);
                    await CheckEpochAsync(replica);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            _hub.Close(replica, error is HubUnavailableException ? error : _hub.Unavailable($"reading room \"{Name}\" from Redis failed", error));
        }
    }

    /// <summary>Reads and delivers one batch; true when there may be more.</summary>
    private async Task<bool> ReadBatchAsync(Room replica)
    {
        var from = (_delivered + 1).ToString(CultureInfo.InvariantCulture) + "-0";
        var entries = await _hub.Database.StreamRangeAsync(Log, from, "+", BatchSize);
        foreach (var entry in entries)
        {
            var item = Parse(entry);
            if (item.Epoch != replica.Epoch)
            {
                throw _hub.Unavailable($"room \"{Name}\" was reset in Redis (its keys expired or were removed); resubscribe to get its new epoch");
            }

            if (item.Sequence != _delivered + 1)
            {
                throw _hub.Unavailable($"room \"{Name}\" was trimmed in Redis past this node's position {_delivered}; resubscribe with after_sequence and epoch");
            }

            if (!_hub.Local.TryAppendReplica(replica, item))
            {
                // The replica left the local hub; the loop ends with it.
                Stop();
                return false;
            }

            Delivered(item.Sequence);
        }

        return entries.Length == BatchSize;
    }

    /// <summary>
    /// After a notification of another epoch: one published before this node opened the room is stale and harmless; if
    /// Redis no longer holds this epoch the room started again below this node's position, and the replica closes.
    /// </summary>
    private async Task CheckEpochAsync(Room replica)
    {
        var epoch = await _hub.Database.HashGetAsync(Meta, "epoch");
        if (epoch != replica.Epoch)
        {
            throw _hub.Unavailable($"room \"{Name}\" was reset in Redis (its keys expired or were removed); resubscribe to get its new epoch");
        }
    }

    private void Delivered(long sequence)
    {
        List<TaskCompletionSource>? done = null;
        lock (_waitersGate)
        {
            _delivered = sequence;
            if (_waiters is { Count: > 0 } waiters)
            {
                for (var i = waiters.Count - 1; i >= 0; i--)
                {
                    if (waiters[i].Sequence <= sequence)
                    {
                        (done ??= []).Add(waiters[i].Done);
                        waiters.RemoveAt(i);
                    }
                }
            }
        }

        foreach (var waiter in done ?? [])
        {
            waiter.TrySetResult();
        }
    }

    private RoomEvent Parse(StreamEntry entry) => Parse((string)entry.Id!, entry.Values);

    private RoomEvent Parse(string id, ReadOnlySpan<NameValueEntry> values)
    {
        // Fields as the append script writes them: k, s, t, at, e, and m when the publisher gave a message id.
        return new RoomEvent(
            (RoomEventKind)(int)values[0].Value,
            Name,
            (string)values[1].Value!,
            (string)values[2].Value!,
            ParseSequence(id),
            DateTimeOffset.FromUnixTimeMilliseconds((long)values[3].Value),
            (string)values[4].Value!,
            values.Length > 5 ? (string?)values[5].Value : null);
    }

    private RoomEvent Parse(string id, RedisValue[] fieldsAndValues)
    {
        // From a script reply the fields come flat: name, value, name, value…
        return new RoomEvent(
            (RoomEventKind)(int)fieldsAndValues[1],
            Name,
            (string)fieldsAndValues[3]!,
            (string)fieldsAndValues[5]!,
            ParseSequence(id),
            DateTimeOffset.FromUnixTimeMilliseconds((long)fieldsAndValues[7]),
            (string)fieldsAndValues[9]!,
            fieldsAndValues.Length > 11 ? (string?)fieldsAndValues[11] : null);
    }

    private static long ParseSequence(string id) =>
        long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
}
