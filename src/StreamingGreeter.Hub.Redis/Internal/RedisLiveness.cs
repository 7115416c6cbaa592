using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// Proves, every <c>Hub:Redis:LivenessInterval</c>, that this node still delivers: a pub/sub subscription can stop
/// delivering while every connection looks healthy (a failover, a killed client, a proxy). One pipelined batch reads the
/// last sequence of every room open here from its meta hash, with no probe traffic; a room behind catches up from its log
/// through the same loop as a notification, and one whose notifications stopped subscribes anew. While this node cannot
/// deliver, it reports itself unavailable (health NOT_SERVING) and says why.
/// </summary>
internal sealed class RedisLiveness : IAsyncDisposable
{
    private static readonly RedisValue[] MetaFields = ["epoch", "seq"];

    private readonly RedisConnection _connection;
    private readonly RedisRoomLog _log;
    private readonly ILogger _logger;
    private readonly Action _changed;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private string? _pubSubDown;
    private string? _notDelivering;
    private bool _pubSubRestored;
    private int _pubSubChanges;
    private readonly CoalescedRun _check;
    private bool _disposed;

    /// <summary><paramref name="changed"/> hears every change of <see cref="IsDelivering"/>.</summary>
    public RedisLiveness(RedisConnection connection, RedisRoomLog log, TimeSpan interval, TimeProvider time, ILogger logger, Action changed)
    {
        _connection = connection;
        _log = log;
        _interval = interval;
        _logger = logger;
        _changed = changed;
        _check = new CoalescedRun(CheckAsync);
        _timer = time.CreateTimer(static state => ((RedisLiveness)state!).RequestCheck(), this, interval, interval);
    }

    /// <summary>False while the pub/sub connection is down or a check found a room this node does not deliver.</summary>
    public bool IsDelivering
    {
        get
        {
            lock (_gate)
            {
                return _pubSubDown is null && _notDelivering is null;
            }
        }
    }

    /// <summary>The pub/sub connection broke (<paramref name="failure"/>) while commands run, or came back (null).</summary>
    public void PubSubChanged(ConnectionFailedEventArgs? failure)
    {
        Update(() =>
        {
            // A check under way read the rooms before this: what it found is no longer the whole story.
            _pubSubChanges++;
            if (failure is not null)
            {
                _pubSubDown = $"the pub/sub connection to Redis ({failure.EndPoint?.ToString() ?? _connection.EndPoint}) broke ({failure.FailureType}); rooms catch up from their logs every {_interval} until it is back";
            }
            else if (_pubSubDown is not null)
            {
                // Back, and re-subscribed by the client: what was published meanwhile had no notification here.
                _pubSubDown = null;
                _pubSubRestored = true;
                _notDelivering ??= "catching up after the pub/sub connection came back";
            }
        });

        if (failure is null)
        {
            RequestCheck();
        }
    }

    /// <summary>Runs a check now, or right after the one running.</summary>
    public void RequestCheck() => _check.Request();

    public async ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            _disposed = true;
        }

        await _timer.DisposeAsync();
    }

    private async Task CheckAsync()
    {
        // An outage is reported by the connection, and it closes the rooms: nothing here to check meanwhile. The
        // connection asks for a check once it is back.
        if (!_connection.IsAvailable)
        {
            return;
        }

        // The client raises its connection events on the thread pool, so a quick break and return can be heard the wrong
        // way round: what the connection is now settles it.
        if (Volatile.Read(ref _pubSubDown) is not null && _connection.IsPubSubConnected)
        {
            PubSubChanged(null);
        }

        bool notificationsExpected;
        bool recovering;
        int pubSubChanges;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            pubSubChanges = _pubSubChanges;
            recovering = _pubSubRestored;
            _pubSubRestored = false;
            notificationsExpected = _pubSubDown is null && !recovering;
        }

        var sessions = _log.Sessions.ToArray();
        var reads = new Task<RedisValue[]>[sessions.Length];
        try
        {
            // One batch, one round trip for every room: the meta hash holds the room's epoch and last sequence.
            var batch = _connection.Database("checking that this node delivers").CreateBatch();
            for (var i = 0; i < sessions.Length; i++)
            {
                reads[i] = batch.HashGetAsync(sessions[i].Meta, MetaFields);
            }

            batch.Execute();
        }
        catch (Exception error) when (error is HubUnavailableException or ObjectDisposedException)
        {
            return;
        }

        string? problem = null;
        var catchingUp = false;
        for (var i = 0; i < sessions.Length; i++)
        {
            var session = sessions[i];
            RedisValue[] meta;
            try
            {
                meta = await reads[i];
            }
            catch (Exception error) when (RedisRoomLog.IsOutage(error))
            {
                if (_connection.IsAvailable)
                {
                    SetNotDelivering(pubSubChanges, $"Redis did not answer the check that this node delivers ({error.Message})");
                }

                return;
            }
            catch (RedisServerException)
            {
                // A damaged meta key: the room's own scripts report it, and the next publish re-derives it.
                continue;
            }

            // A lost meta hash is re-derived from the log by the next publish; until then nothing new was appended.
            if (meta[0].IsNull || !meta[1].TryParse(out long sequence))
            {
                continue;
            }

            switch (session.Check((string)meta[0]!, sequence, notificationsExpected))
            {
                case RoomLiveness.NotNotified:
                    RedisHubLog.RoomNotNotified(_logger, session.Name, session.Delivered, sequence, _interval);
                    problem ??= $"room \"{session.Name}\" got no notification within {_interval} of an event published to it; its subscription is made anew";
                    _ = ResubscribeAsync(session);
                    break;
                case RoomLiveness.Behind:
                    problem ??= $"room \"{session.Name}\" is still behind Redis a check later (delivered {session.Delivered}, Redis at {sequence}); its log is being read";
                    break;
                case RoomLiveness.CatchingUp:
                    catchingUp = true;
                    break;
            }
        }

        if (problem is null && recovering && catchingUp)
        {
            // Delivering once what was missed is read: the next check, soon, tells.
            problem = "catching up after the pub/sub connection came back";
            Soon();
        }

        SetNotDelivering(pubSubChanges, problem);
    }

    private void Soon()
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _timer.Change(TimeSpan.FromTicks(Math.Min(_interval.Ticks, TimeSpan.TicksPerSecond / 10)), _interval);
            }
        }
    }

    private async Task ResubscribeAsync(RedisRoomSession session)
    {
        try
        {
            await session.ResubscribeAsync();
        }
        catch (Exception error) when (error is RedisException or RedisTimeoutException or HubUnavailableException or ObjectDisposedException)
        {
            // Refused or unreachable: the next checks find the room still unannounced, say so, and try again.
        }
    }

    private void SetNotDelivering(int pubSubChanges, string? problem) => Update(() =>
    {
        // After a change of the pub/sub connection the check it requested decides.
        if (pubSubChanges == _pubSubChanges)
        {
            _notDelivering = problem;
        }
    });

    private void Update(Action change)
    {
        bool before;
        bool after;
        string? reason;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            before = _pubSubDown is null && _notDelivering is null;
            change();
            after = _pubSubDown is null && _notDelivering is null;
            reason = _pubSubDown ?? _notDelivering;
        }

        if (before == after)
        {
            return;
        }

        if (after)
        {
            RedisHubLog.DeliveryRestored(_logger);
        }
        else
        {
            RedisHubLog.DeliveryStalled(_logger, reason!);
        }

        _changed();
    }
}
