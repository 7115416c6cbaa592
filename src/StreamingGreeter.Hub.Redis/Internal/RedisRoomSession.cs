using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// A room's log in Redis as one node follows it: a subscription to the room's notification channel and one loop that
/// reads the room's stream in order and hands each event to the hub's room. Notifications only ring a doorbell; the
/// loop reads whatever is new, so a lost or coalesced notification costs nothing but latency until the next one.
/// </summary>
/// <remarks>
/// The loop reads after the last sequence it handed over, so a room that starts again in Redis at a lower sequence (its
/// keys deleted or evicted while the node has it open) would leave it waiting for ids that come much later, if ever.
/// Notifications carry the epoch: one of another epoch makes the loop check the room's epoch in Redis and report the
/// log lost if it changed, so that subscribers resume.
/// </remarks>
internal sealed class RedisRoomSession : IRoomLogSession
{
    private const int BatchSize = 256;

    private readonly RedisRoomLog _log;
    private readonly IRoomLogListener _listener;
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.DropWrite,
    });

    private readonly CancellationTokenSource _stop = new();
    private readonly Action<RedisChannel, RedisValue> _onNotified;
    private IReadOnlyList<RoomEvent>? _opened;
    private byte[]? _notificationPrefix;
    private long _delivered;
    private long _notified;
    private int _stopped;
    private bool _epochInDoubt;

    // The liveness check's view, touched by one check at a time (and reset by a re-subscription): Redis's last sequence
    // at the previous check, the one from which notifications are due, and the sequence whose notification must have
    // come by the next check (0: none expected).
    private long _checkedSequence = -1;
    private long _announcedFrom = -1;
    private long _expectedNotified;

    private RedisRoomSession(RedisRoomLog log, string name, IRoomLogListener listener)
    {
        _log = log;
        _listener = listener;
        Name = name;
        var prefix = log.KeyPrefix + "room:" + name;
        Prefix = prefix;
        Meta = prefix + ":meta";
        Log = prefix + ":log";
        Notifications = RedisChannel.Literal(prefix + ":events");
        _onNotified = (_, notification) => Notified(notification);
    }

    public string Name { get; }

    public string Prefix { get; }

    public RedisKey Meta { get; }

    public RedisKey Log { get; }

    public RedisChannel Notifications { get; }

    public bool HasSubscribers => _listener.HasSubscribers;

    public string Epoch { get; private set; } = string.Empty;

    public long LastSequence { get; private set; }

    /// <summary>The last sequence handed to the hub's room.</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Subscribes to the room's notifications, then opens it in Redis and starts following its stream.</summary>
    public static async Task<RedisRoomSession> OpenAsync(RedisRoomLog log, string name, IRoomLogListener listener)
    {
        var session = new RedisRoomSession(log, name, listener);
        try
        {
            await session.StartAsync();
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }

        return session;
    }

    public async ValueTask<PublishResult> AppendAsync(RoomLogEntry entry, CancellationToken cancellationToken = default)
    {
        var result = await _log.AppendAsync(this, entry);
        // Read at once: the notification may come later than the reply, and the publisher may be waiting for it.
        Ring();
        return result;
    }

    public async ValueTask<IReadOnlyList<RoomEvent>> ReadAsync(long afterSequence, int maxCount, CancellationToken cancellationToken = default)
    {
        // The opening read the newest events already: the hub asks for them first.
        if (Interlocked.Exchange(ref _opened, null) is { } opened && (opened.Count == 0 || opened[0].Sequence <= afterSequence + 1))
        {
            return [.. opened.Where(e => e.Sequence > afterSequence).Take(maxCount)];
        }

        StreamEntry[] entries;
        try
        {
            var from = (afterSequence + 1).ToString(CultureInfo.InvariantCulture) + "-0";
            entries = await _log.Database($"reading room \"{Name}\" failed").StreamRangeAsync(Log, from, "+", maxCount).WaitAsync(cancellationToken);
        }
        catch (Exception error) when (RedisRoomLog.IsOutage(error))
        {
            throw _log.Unavailable($"reading room \"{Name}\" failed", error);
        }

        var events = new List<RoomEvent>(entries.Length);
        foreach (var entry in entries)
        {
            var item = Parse(entry);
            if (item.Epoch != Epoch || item.Sequence != afterSequence + 1 + events.Count)
            {
                break;
            }

            events.Add(item);
        }

        return events;
    }

    /// <summary>Reports the log lost to the hub's room and stops following it.</summary>
    public void Lose(Exception error)
    {
        if (Stop())
        {
            _listener.OnLost(error);
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Compares what this node delivered and was notified of with Redis's last <paramref name="sequence"/> of the room
    /// (read by the liveness check, a whole interval after the previous one), and catches up from the log when behind.
    /// <paramref name="notificationsExpected"/> is false while the pub/sub connection is down or was just re-made:
    /// events published meanwhile have no notification to wait for.
    /// </summary>
    public RoomLiveness Check(string epoch, long sequence, bool notificationsExpected)
    {
        if (epoch != Epoch)
        {
            // The loop checks the epoch and reports the log lost if the room started again in Redis.
            Volatile.Write(ref _epochInDoubt, true);
            Ring();
            return RoomLiveness.Delivering;
        }

        var delivered = Volatile.Read(ref _delivered);
        var notified = Volatile.Read(ref _notified);
        // What Redis had a whole interval ago is still not here, though the previous check rang for it: reading fails.
        var stalled = _checkedSequence > delivered;
        // Published after the previous check and still unannounced an interval later: the subscription is dead.
        var deaf = notificationsExpected && _expectedNotified > notified;
        var announcedFrom = Volatile.Read(ref _announcedFrom);
        // A deaf room is subscribed anew: what was published before that has no notification to come, so expect none.
        _expectedNotified = notificationsExpected && !deaf && announcedFrom >= 0 && sequence > announcedFrom ? sequence : 0;
        Volatile.Write(ref _announcedFrom, notificationsExpected && !deaf ? sequence : -1);
        _checkedSequence = sequence;
        if (sequence > delivered)
        {
            // The same loop as a notification: it reads after the last sequence it delivered, so no gap, no duplicate.
            Ring();
        }

        return deaf ? RoomLiveness.NotNotified
            : stalled ? RoomLiveness.Behind
            : sequence > delivered ? RoomLiveness.CatchingUp
            : RoomLiveness.Delivering;
    }

    /// <summary>Subscribes to the room's channel anew, then reads whatever was appended meanwhile.</summary>
    public async Task ResubscribeAsync()
    {
        var subscriber = _log.Subscriber($"re-subscribing room \"{Name}\"");
        await subscriber.UnsubscribeAsync(Notifications, _onNotified);
        if (Volatile.Read(ref _stopped) == 0)
        {
            await subscriber.SubscribeAsync(Notifications, _onNotified);
            if (Volatile.Read(ref _stopped) != 0)
            {
                // Released while subscribing: the release's unsubscribe may have gone first.
                await subscriber.UnsubscribeAsync(Notifications, _onNotified);
            }
        }

        // Events appended while re-subscribing have no notification to wait for: expect them from the next check on.
        Volatile.Write(ref _announcedFrom, -1);
        Ring();
    }

    private void Ring() => _doorbell.Writer.TryWrite(true);

    /// <summary>Stops the loop and releases the notification channel; true the first time.</summary>
    private bool Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return false;
        }

        _stop.Cancel();
        _doorbell.Writer.TryComplete();
        _log.Release(this, _onNotified);
        return true;
    }

    private void Notified(RedisValue notification)
    {
        // "<epoch> <sequence>" from the append script. Before the room is open any epoch is fine: it opens at the current one.
        if (Volatile.Read(ref _notificationPrefix) is { } prefix)
        {
            if (!notification.StartsWith(prefix.AsSpan()))
            {
                Volatile.Write(ref _epochInDoubt, true);
            }
            else if (Utf8Parser.TryParse(((ReadOnlyMemory<byte>)notification).Span[prefix.Length..], out long sequence, out _))
            {
                // For the liveness check: proof that the subscription still hears this room.
                InterlockedMax(ref _notified, sequence);
            }
        }

        Ring();
    }

    private async Task StartAsync()
    {
        var what = $"room \"{Name}\" could not be opened";
        RedisResult[] opened;
        try
        {
            // Subscribed before the snapshot, so nothing appended after it goes unnoticed.
            await _log.Subscriber(what).SubscribeAsync(Notifications, _onNotified);
            opened = (RedisResult[])(await _log.Database(what).ScriptEvaluateAsync(
                RedisScripts.Open,
                [Meta, Log],
                [Guid.NewGuid().ToString("N"), _log.HistorySize, _log.KeyExpiryMilliseconds]))!;
        }
        catch (Exception error) when (RedisRoomLog.IsOutage(error))
        {
            throw _log.Unavailable(what, error);
        }
        catch (RedisServerException error)
        {
            throw _log.Refused(Name, "open", error);
        }

        _log.ScriptSucceeded();
        var epoch = (string)opened[0]!;
        var sequence = (long)opened[1];
        var entries = (RedisResult[])opened[2]!;

        // Newest first from Redis; the hub wants the contiguous run that ends at the last sequence, oldest first.
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
        _opened = history;
        Epoch = epoch;
        LastSequence = sequence;
        _delivered = sequence;
        InterlockedMax(ref _notified, sequence);
        Volatile.Write(ref _notificationPrefix, Encoding.UTF8.GetBytes(epoch + " "));
        _log.Opened(this);
        _ = Task.Run(RunAsync);
        Ring();
    }

    private async Task RunAsync()
    {
        try
        {
            while (await _doorbell.Reader.WaitToReadAsync(_stop.Token))
            {
                _doorbell.Reader.TryRead(out _);
                while (await ReadBatchAsync())
                {
                }

                if (Volatile.Read(ref _epochInDoubt))
                {
                    Volatile.Write(ref _epochInDoubt, false);
                    await CheckEpochAsync();
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception error)
        {
            var lost = error is HubUnavailableException ? error : _log.Unavailable($"reading room \"{Name}\" from Redis failed", error);
            _log.Closed(this, lost);
            Lose(lost);
        }
    }

    /// <summary>Reads and hands over one batch; true when there may be more.</summary>
    private async Task<bool> ReadBatchAsync()
    {
        var from = (_delivered + 1).ToString(CultureInfo.InvariantCulture) + "-0";
        var entries = await _log.Database($"reading room \"{Name}\" failed").StreamRangeAsync(Log, from, "+", BatchSize);
        foreach (var entry in entries)
        {
            if (_stop.IsCancellationRequested)
            {
                return false;
            }

            var item = Parse(entry);
            if (item.Epoch != Epoch)
            {
                throw _log.Unavailable($"room \"{Name}\" was reset in Redis (its keys expired or were removed); resubscribe to get its new epoch");
            }

            if (item.Sequence != _delivered + 1)
            {
                throw _log.Unavailable($"room \"{Name}\" was trimmed in Redis past this node's position {_delivered}; resubscribe with after_sequence and epoch");
            }

            _listener.OnAppended(item);
            Volatile.Write(ref _delivered, item.Sequence);
        }

        return entries.Length == BatchSize;
    }

    /// <summary>
    /// After a notification of another epoch: one published before this node opened the room is stale and harmless; if
    /// Redis no longer holds this epoch the room started again below this node's position, and the log is lost.
    /// </summary>
    private async Task CheckEpochAsync()
    {
        var epoch = await _log.Database($"reading room \"{Name}\" failed").HashGetAsync(Meta, "epoch");
        if (epoch != Epoch)
        {
            throw _log.Unavailable($"room \"{Name}\" was reset in Redis (its keys expired or were removed); resubscribe to get its new epoch");
        }
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current && Interlocked.CompareExchange(ref location, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private RoomEvent Parse(StreamEntry entry) => Parse((string)entry.Id!, entry.Values);

    private RoomEvent Parse(string id, ReadOnlySpan<NameValueEntry> values)
    {
        // Fields as the append script writes them: k, s, t, at, e in that order, then the optional m, d and c by name.
        string? messageId = null, contentType = null;
        var data = ReadOnlyMemory<byte>.Empty;
        for (var i = 5; i < values.Length; i++)
        {
            Optional(values[i].Name, values[i].Value, ref messageId, ref data, ref contentType);
        }

        return new RoomEvent(
            (RoomEventKind)(int)values[0].Value,
            Name,
            (string)values[1].Value!,
            (string)values[2].Value!,
            ParseSequence(id),
            DateTimeOffset.FromUnixTimeMilliseconds((long)values[3].Value),
            (string)values[4].Value!,
            messageId,
            data,
            contentType);
    }

    private RoomEvent Parse(string id, RedisValue[] fieldsAndValues)
    {
        // From a script reply the fields come flat: name, value, name, value…
        string? messageId = null, contentType = null;
        var data = ReadOnlyMemory<byte>.Empty;
        for (var i = 10; i + 1 < fieldsAndValues.Length; i += 2)
        {
            Optional(fieldsAndValues[i], fieldsAndValues[i + 1], ref messageId, ref data, ref contentType);
        }

        return new RoomEvent(
            (RoomEventKind)(int)fieldsAndValues[1],
            Name,
            (string)fieldsAndValues[3]!,
            (string)fieldsAndValues[5]!,
            ParseSequence(id),
            DateTimeOffset.FromUnixTimeMilliseconds((long)fieldsAndValues[7]),
            (string)fieldsAndValues[9]!,
            messageId,
            data,
            contentType);
    }

    /// <summary>An optional field of a log entry; one this node does not know (written by a newer one) is skipped.</summary>
    private static void Optional(RedisValue name, RedisValue value, ref string? messageId, ref ReadOnlyMemory<byte> data, ref string? contentType)
    {
        if (name == "m")
        {
            messageId = value;
        }
        else if (name == "d")
        {
            // Raw bytes, as the script stored them: no text decoding on the way.
            data = (byte[]?)value ?? [];
        }
        else if (name == "c")
        {
            contentType = value;
        }
    }

    private static long ParseSequence(string id) =>
        long.Parse(id.AsSpan(0, id.IndexOf('-', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
}
