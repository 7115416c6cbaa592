using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// Rooms' logs in Redis, as one node sees them: each room has one epoch and one sequence space there, assigned atomically
/// by a script that appends the event to the room's stream, deduplicates message ids and notifies every node. The rooms'
/// presence over the nodes is kept beside them (<see cref="RedisPresence"/>).
/// </summary>
internal sealed class RedisRoomLog : IRoomLog, IRoomPresence, IAsyncDisposable
{
    /// <summary>Stream entries kept per room at least, whatever the history size: the log nodes read live events from.</summary>
    private const int MinimumLogLength = 1024;

    private readonly RedisConnection _connection;
    private readonly ILogger _logger;
    private readonly RedisPresence _presence;
    private readonly ConcurrentDictionary<RedisRoomSession, byte> _sessions = new();
    private readonly ITimer _keepAlive;
    private readonly int _logCapacity;
    private readonly long _deduplicationWindowMilliseconds;
    private readonly int _deduplicationMaxIds;
    private bool _refusedLogged;

    public RedisRoomLog(RedisConnection connection, BroadcastHubOptions options, string keyPrefix, RedisPresence presence, TimeProvider time, ILogger logger)
    {
        _connection = connection;
        _presence = presence;
        _logger = logger;
        KeyPrefix = keyPrefix;
        HistorySize = options.HistorySize;
        KeyExpiryMilliseconds = (long)options.IdleRoomTimeout.TotalMilliseconds;
        _logCapacity = Math.Max(options.HistorySize, MinimumLogLength);
        _deduplicationWindowMilliseconds = (long)options.DeduplicationWindow.TotalMilliseconds;
        _deduplicationMaxIds = options.DeduplicationMaxIds;

        // Keeps the keys of rooms with subscribers here from expiring while nobody publishes to them.
        var period = TimeSpan.FromMilliseconds(Math.Max(KeyExpiryMilliseconds / 3, 500));
        _keepAlive = time.CreateTimer(static state => ((RedisRoomLog)state!).RefreshExpiry(), this, period, period);
    }

    public string KeyPrefix { get; }

    public int HistorySize { get; }

    public long KeyExpiryMilliseconds { get; }

    /// <summary>The rooms open on this node now.</summary>
    public ICollection<RedisRoomSession> Sessions => _sessions.Keys;

    public async ValueTask<IRoomLogSession> OpenAsync(string room, IRoomLogListener listener, CancellationToken cancellationToken = default)
    {
        // Not cancelled half way: a room opened in Redis and then dropped here would leave its subscription behind.
        cancellationToken.ThrowIfCancellationRequested();
        var session = await RedisRoomSession.OpenAsync(this, room, listener);
        _sessions.TryAdd(session, 0);
        return session;
    }

    public void Changed(IRoomPresenceSource source) => _presence.Changed(source);

    public ValueTask<RoomPresence> ReadAsync(string room, CancellationToken cancellationToken = default) => _presence.ReadAsync(room, cancellationToken);

    /// <summary>Ends every room's log on this node: Redis cannot be trusted to have told this node everything.</summary>
    public void LoseAll(Exception error)
    {
        foreach (var session in _sessions.Keys)
        {
            session.Lose(error);
        }
    }

    public async ValueTask DisposeAsync() => await _keepAlive.DisposeAsync();

    public IDatabase Database(string what) => _connection.Database(what);

    public ISubscriber Subscriber(string what) => _connection.Subscriber(what);

    public HubUnavailableException Unavailable(string what, Exception? error = null) => _connection.Unavailable(what, error);

    public async Task<PublishResult> AppendAsync(RedisRoomSession session, RoomLogEntry entry)
    {
        var what = $"the event for room \"{session.Name}\" was not acknowledged";
        RedisResult reply;
        try
        {
            reply = await Database(what).ScriptEvaluateAsync(
                RedisScripts.Append,
                [session.Meta, session.Log, session.Prefix + ":ids", session.Prefix + ":idseq"],
                [
                    Guid.NewGuid().ToString("N"),
                    (int)entry.Kind,
                    entry.Sender,
                    entry.Text,
                    entry.Time.ToUnixTimeMilliseconds(),
                    _logCapacity,
                    KeyExpiryMilliseconds,
                    session.Prefix + ":events",
                    entry.MessageId ?? string.Empty,
                    _deduplicationWindowMilliseconds,
                    _deduplicationMaxIds,
                    entry.Data,
                    entry.ContentType,
                ]);
        }
        catch (Exception error) when (IsOutage(error) || error is HubUnavailableException or ObjectDisposedException)
        {
            if (entry.Kind == RoomEventKind.Left)
            {
                RedisHubLog.LeftNotPublished(_logger, session.Name, entry.Sender);
            }

            throw error as HubUnavailableException ?? Unavailable(what, error);
        }
        catch (RedisServerException error)
        {
            throw Refused(session.Name, "append", error);
        }

        ScriptSucceeded();
        var parts = (RedisResult[])reply!;
        return new PublishResult((long)parts[1], (string)parts[0]!) { Duplicate = (long)parts[2] == 1 };
    }

    public void Opened(RedisRoomSession session) => RedisHubLog.RoomOpened(_logger, session.Name, session.LastSequence, session.Epoch);

    public void Closed(RedisRoomSession session, Exception error) => RedisHubLog.RoomClosed(_logger, session.Name, error.Message, error.InnerException);

    public void Release(RedisRoomSession session, Action<RedisChannel, RedisValue> handler)
    {
        // A session whose opening failed was never listed, but may have subscribed.
        if (_sessions.TryRemove(session, out _))
        {
            RedisHubLog.RoomReleased(_logger, session.Name);
        }

        ReleaseChannel(session, handler);
    }

    /// <summary>
    /// True when <paramref name="error"/> means Redis cannot serve now but will again (unreachable, loading, failing
    /// over, out of memory…): a retry later can succeed. Any other error reply is a fault a retry does not mend.
    /// </summary>
    public static bool IsOutage(Exception error) => error switch
    {
        RedisServerException server => server.Kind is RedisErrorKind.ConnectionFault or RedisErrorKind.Timeout or RedisErrorKind.Loading
            or RedisErrorKind.ClusterDown or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain or RedisErrorKind.NoReplicas
            or RedisErrorKind.Misconfigured or RedisErrorKind.OutOfMemory or RedisErrorKind.Busy or RedisErrorKind.MaxClients
            or RedisErrorKind.ReadOnly or RedisErrorKind.Moved or RedisErrorKind.Ask or RedisErrorKind.UnknownRedirectTarget,
        RedisException or RedisTimeoutException => true,
        _ => false,
    };

    /// <summary>A script Redis ran and refused is not an outage: clients told to retry would fail the same way.</summary>
    public ScriptRefusedException Refused(string room, string script, RedisServerException error)
    {
        // Logged once until a script succeeds again, not once per message.
        if (!Interlocked.Exchange(ref _refusedLogged, true))
        {
            RedisHubLog.ScriptRefused(_logger, script, room, error.Message, error);
        }
        else
        {
            RedisHubLog.ScriptRefusedAgain(_logger, script, room, error.Message);
        }

        return new ScriptRefusedException($"Redis refused the {script} script of room \"{room}\": {error.Message}", error);
    }

    public void ScriptSucceeded()
    {
        if (Volatile.Read(ref _refusedLogged) && Interlocked.Exchange(ref _refusedLogged, false))
        {
            RedisHubLog.ScriptsSucceedAgain(_logger);
        }
    }

    private void ReleaseChannel(RedisRoomSession session, Action<RedisChannel, RedisValue> handler)
    {
        try
        {
            Subscriber("releasing a room").Unsubscribe(session.Notifications, handler, CommandFlags.FireAndForget);
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException or HubUnavailableException)
        {
            // Disconnected or shutting down: the subscription is gone with the connection.
        }
    }

    private void RefreshExpiry()
    {
        if (!_connection.IsAvailable)
        {
            return;
        }

        try
        {
            var database = Database("refreshing room expiry");
            foreach (var session in _sessions.Keys)
            {
                if (session.HasSubscribers)
                {
                    database.KeyExpire(session.Meta, TimeSpan.FromMilliseconds(KeyExpiryMilliseconds), CommandFlags.FireAndForget);
                    database.KeyExpire(session.Log, TimeSpan.FromMilliseconds(KeyExpiryMilliseconds), CommandFlags.FireAndForget);
                }
            }
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException or HubUnavailableException)
        {
            // The next tick tries again; an outage is reported by the connection events.
        }
    }
}
