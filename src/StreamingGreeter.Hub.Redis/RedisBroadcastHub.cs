using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using StreamingGreeter.Hub.Internal;
using StreamingGreeter.Hub.Redis.Internal;

namespace StreamingGreeter.Hub.Redis;

/// <summary>
/// An <see cref="IBroadcastHub"/> shared by several servers through Redis. Each room has one epoch and one sequence
/// space in Redis, assigned atomically by a script that appends the event to the room's stream; every node reads that
/// stream in order and fans events out to its own subscribers with the in-memory hub's machinery.
/// </summary>
/// <remarks>
/// A publish returns once Redis has acknowledged the event and, when this node has subscribers in the room, once they
/// have it. While Redis is unreachable publishes and subscriptions fail with <see cref="HubUnavailableException"/>,
/// open subscriptions end with it, and <see cref="IsAvailable"/> is false; the connection is re-established by itself.
/// </remarks>
public sealed class RedisBroadcastHub : IBroadcastHub, IHubAvailability, IAsyncDisposable, IDisposable
{
    /// <summary>Stream entries kept per room at least, whatever the history size: the log nodes read live events from.</summary>
    internal const int MinimumLogLength = 1024;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _endPoint;
    private readonly ConcurrentDictionary<string, RedisRoom> _rooms = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ITimer _keepAlive;
    private readonly Lock _availabilityGate = new();
    private readonly int _logCapacity;
    private readonly long _deduplicationWindowMilliseconds;
    private readonly int _deduplicationMaxIds;
    private bool _available;
    private bool _disposed;
    private bool _refusedLogged;

    /// <summary>Creates the hub and connects to Redis; it starts even if Redis is not reachable yet.</summary>
    /// <exception cref="ValidationException">An option is out of range.</exception>
    /// <exception cref="ArgumentException">The Redis configuration string is not valid.</exception>
    public RedisBroadcastHub(BroadcastHubOptions options, RedisBroadcastHubOptions redisOptions, TimeProvider? timeProvider = null, HubMetrics? metrics = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(redisOptions);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        var validation = new RedisBroadcastHubOptionsValidator().Validate(null, redisOptions);
        if (validation.Failed)
        {
            throw new ArgumentException(validation.FailureMessage, nameof(redisOptions));
        }

        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        HistorySize = options.HistorySize;
        KeyPrefix = redisOptions.KeyPrefix;
        KeyExpiryMilliseconds = (long)options.IdleRoomTimeout.TotalMilliseconds;
        _logCapacity = Math.Max(options.HistorySize, MinimumLogLength);
        _deduplicationWindowMilliseconds = (long)options.DeduplicationWindow.TotalMilliseconds;
        _deduplicationMaxIds = options.DeduplicationMaxIds;
        Local = new InMemoryBroadcastHub(options, _time, metrics, OnRoomRemoved);

        var configuration = ConfigurationOptions.Parse(redisOptions.Configuration!);
        // Start and keep serving without Redis: health says NOT_SERVING until it answers.
        configuration.AbortOnConnectFail = false;
        // Fail at once while disconnected instead of queueing: a publish must not wait for an outage to end.
        configuration.BacklogPolicy = BacklogPolicy.FailFast;
        configuration.ReconnectRetryPolicy ??= new ExponentialRetry(250, 5000);
        configuration.ClientName ??= "streaminggreeter";
        _endPoint = string.Join(",", configuration.EndPoints);
        _redis = ConnectionMultiplexer.Connect(configuration);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        Database = _redis.GetDatabase();
        Subscriber = _redis.GetSubscriber();
        UpdateAvailability(null);

        // Keeps the keys of rooms with subscribers here from expiring while nobody publishes to them, and notices a
        // reconnection the connection events did not report.
        var period = TimeSpan.FromMilliseconds(Math.Max(KeyExpiryMilliseconds / 3, 500));
        _keepAlive = _time.CreateTimer(static state => ((RedisBroadcastHub)state!).RefreshExpiry(), this, period, period);
    }

    /// <inheritdoc />
    public bool IsAvailable
    {
        get
        {
            lock (_availabilityGate)
            {
                return _available;
            }
        }
    }

    /// <inheritdoc />
    public event EventHandler? AvailabilityChanged;

    /// <summary>Rooms open on this node.</summary>
    public int RoomCount => Local.RoomCount;

    /// <summary>Subscriptions on this node.</summary>
    public int SubscriberCount => Local.SubscriberCount;

    internal InMemoryBroadcastHub Local { get; }

    internal IDatabase Database { get; }

    internal ISubscriber Subscriber { get; }

    internal string KeyPrefix { get; }

    internal int HistorySize { get; }

    internal long KeyExpiryMilliseconds { get; }

    /// <inheritdoc />
    public async ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();

        var result = await AppendAsync(room, RoomEventKind.Message, sender, text, options.MessageId);
        if (!result.Duplicate)
        {
            await DeliveredHereAsync(room, result);
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentOutOfRangeException.ThrowIfNegative(options.AfterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        while (true)
        {
            ThrowIfUnavailable($"room \"{room}\" could not be opened");
            var state = _rooms.GetOrAdd(room, static (name, hub) => new RedisRoom(hub, name), this);
            Room replica;
            try
            {
                replica = await state.StartedAsync().WaitAsync(cancellationToken);
            }
            catch (Exception error) when (IsOutage(error))
            {
                Forget(state);
                state.Stop();
                throw Unavailable($"room \"{room}\" could not be opened", error);
            }
            catch (RedisServerException error)
            {
                Forget(state);
                state.Stop();
                throw Refused(room, "open", error);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                Forget(state);
                state.Stop();
                throw;
            }

            var subscription = Local.TrySubscribeReplica(replica, options);
            if (subscription is null)
            {
                // Closed between opening and subscribing (idle expiry, an outage): open it again.
                Forget(state);
                state.Stop();
                continue;
            }

            if (options.Member is null)
            {
                return subscription;
            }

            PublishResult joined;
            try
            {
                joined = await AppendAsync(room, RoomEventKind.Joined, options.Member, string.Empty);
            }
            catch
            {
                await subscription.DisposeAsync();
                throw;
            }

            // Starting live, a member's own JOINED is its first event, whatever other nodes published meanwhile.
            var startsLive = options.AfterSequence == 0 && string.IsNullOrEmpty(options.Epoch);
            return new RedisMemberSubscription(this, subscription, options.Member, startsLive ? joined.Sequence : 0);
        }
    }

    /// <summary>Closes the rooms and the connection to Redis.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!BeginDispose())
        {
            return;
        }

        await _keepAlive.DisposeAsync();
        Local.CloseAllReplicas(new HubUnavailableException("the node is shutting down"));
        Local.Dispose();
        await _redis.CloseAsync();
        await _redis.DisposeAsync();
    }

    /// <summary>Closes the rooms and the connection to Redis.</summary>
    public void Dispose()
    {
        if (!BeginDispose())
        {
            return;
        }

        _keepAlive.Dispose();
        Local.CloseAllReplicas(new HubUnavailableException("the node is shutting down"));
        Local.Dispose();
        _redis.Dispose();
    }

    internal async Task LeaveAsync(string room, string member, bool graceful)
    {
        if (!graceful)
        {
            try
            {
                await AppendAsync(room, RoomEventKind.Left, member, string.Empty);
            }
            catch (Exception error) when (error is HubUnavailableException or ObjectDisposedException)
            {
                // Redis is down or the node is shutting down: there is nobody to tell.
                RedisHubLog.LeftNotPublished(_logger, room, member);
            }
            catch (ScriptRefusedException)
            {
                // Logged as refused already; a member going away does not fail for it.
            }

            return;
        }

        var left = await AppendAsync(room, RoomEventKind.Left, member, string.Empty);
        await DeliveredHereAsync(room, left);
    }

    internal HubUnavailableException Unavailable(string what, Exception? error = null) =>
        new($"{what}: the Redis backplane ({_endPoint}) is unavailable; publish again, or resubscribe with after_sequence and epoch, once a server reports SERVING", error);

    /// <summary>Opens a room's replica on this node, from what Redis holds of it.</summary>
    internal Room Opened(string room, string epoch, long sequence, IReadOnlyList<RoomEvent> history)
    {
        ScriptSucceeded();
        RedisHubLog.RoomOpened(_logger, room, sequence, epoch);
        return Local.OpenReplica(room, epoch, sequence, history);
    }

    /// <summary>Closes a room on this node after its loop failed; its subscribers end with <paramref name="error"/>.</summary>
    internal void Close(Room replica, Exception error)
    {
        RedisHubLog.RoomClosed(_logger, replica.Name, error.Message, error.InnerException);
        Local.CloseReplica(replica, error);
    }

    internal void Release(RedisRoom state, Action<RedisChannel, RedisValue> handler)
    {
        Forget(state);
        RedisHubLog.RoomReleased(_logger, state.Name);
        try
        {
            Subscriber.Unsubscribe(state.Notifications, handler, CommandFlags.FireAndForget);
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException)
        {
            // Disconnected or shutting down: the subscription is gone with the connection.
        }
    }

    private async Task<PublishResult> AppendAsync(string room, RoomEventKind kind, string sender, string text, string? messageId = null)
    {
        ThrowIfUnavailable($"the event for room \"{room}\" was not acknowledged");
        var prefix = KeyPrefix + "room:" + room;
        RedisResult reply;
        try
        {
            reply = await Database.ScriptEvaluateAsync(
                RedisScripts.Append,
                [prefix + ":meta", prefix + ":log", prefix + ":ids", prefix + ":idseq"],
                [
                    Guid.NewGuid().ToString("N"),
                    (int)kind,
                    sender,
                    text,
                    _time.GetUtcNow().ToUnixTimeMilliseconds(),
                    _logCapacity,
                    KeyExpiryMilliseconds,
                    prefix + ":events",
                    messageId ?? string.Empty,
                    _deduplicationWindowMilliseconds,
                    _deduplicationMaxIds,
                ]);
        }
        catch (Exception error) when (IsOutage(error))
        {
            throw Unavailable($"the event for room \"{room}\" was not acknowledged", error);
        }
        catch (RedisServerException error)
        {
            throw Refused(room, "append", error);
        }

        ScriptSucceeded();
        var parts = (RedisResult[])reply!;
        return new PublishResult((long)parts[1], (string)parts[0]!) { Duplicate = (long)parts[2] == 1 };
    }

    /// <summary>
    /// True when <paramref name="error"/> means Redis cannot serve now but will again (unreachable, loading, failing
    /// over, out of memory…): a retry later can succeed. Any other error reply is a fault a retry does not mend.
    /// </summary>
    private static bool IsOutage(Exception error) => error switch
    {
        RedisServerException server => server.Kind is RedisErrorKind.ConnectionFault or RedisErrorKind.Timeout or RedisErrorKind.Loading
            or RedisErrorKind.ClusterDown or RedisErrorKind.MasterDown or RedisErrorKind.TryAgain or RedisErrorKind.NoReplicas
            or RedisErrorKind.Misconfigured or RedisErrorKind.OutOfMemory or RedisErrorKind.Busy or RedisErrorKind.MaxClients
            or RedisErrorKind.ReadOnly or RedisErrorKind.Moved or RedisErrorKind.Ask or RedisErrorKind.UnknownRedirectTarget,
        RedisException or RedisTimeoutException => true,
        _ => false,
    };

    /// <summary>A script Redis ran and refused is not an outage: clients told to retry would fail the same way.</summary>
    private ScriptRefusedException Refused(string room, string script, RedisServerException error)
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

    private void ScriptSucceeded()
    {
        if (Volatile.Read(ref _refusedLogged) && Interlocked.Exchange(ref _refusedLogged, false))
        {
            RedisHubLog.ScriptsSucceedAgain(_logger);
        }
    }

    /// <summary>Local subscribers have an event once its publish returns, as with the in-memory hub.</summary>
    private Task DeliveredHereAsync(string room, PublishResult result) =>
        _rooms.TryGetValue(room, out var state) && state.Replica is { } replica && replica.Epoch == result.Epoch
            ? state.WaitDeliveredAsync(result.Sequence)
            : Task.CompletedTask;

    private void ThrowIfUnavailable(string what)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed), this);
        if (!IsAvailable)
        {
            throw Unavailable(what);
        }
    }

    private bool BeginDispose()
    {
        lock (_availabilityGate)
        {
            if (_disposed)
            {
                return false;
            }

            _disposed = true;
            _available = false;
            return true;
        }
    }

    private void OnRoomRemoved(Room replica)
    {
        // Called from the local hub, possibly under its table lock: hand the work on.
        if (_rooms.TryGetValue(replica.Name, out var state) && ReferenceEquals(state.Replica, replica))
        {
            ThreadPool.UnsafeQueueUserWorkItem(static s => s.Stop(), state, preferLocal: false);
        }
    }

    private void Forget(RedisRoom state) => _rooms.TryRemove(new KeyValuePair<string, RedisRoom>(state.Name, state));

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e) => UpdateAvailability(e);

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e) => UpdateAvailability(null);

    private void UpdateAvailability(ConnectionFailedEventArgs? failure)
    {
        bool changed;
        bool now;
        lock (_availabilityGate)
        {
            if (_disposed)
            {
                return;
            }

            now = failure is null && _redis.IsConnected && Subscriber.IsConnected();
            changed = now != _available;
            _available = now;
        }

        if (!now)
        {
            // Every node's subscribers resume from Redis once it is back; nothing here can be trusted to be complete.
            Local.CloseAllReplicas(Unavailable("the stream ended"));
        }

        if (!changed)
        {
            return;
        }

        if (now)
        {
            RedisHubLog.BackplaneAvailable(_logger);
        }
        else
        {
            RedisHubLog.BackplaneUnavailable(_logger, failure?.FailureType.ToString() ?? "not connected", failure?.EndPoint?.ToString() ?? _endPoint, failure?.Exception);
        }

        AvailabilityChanged?.Invoke(this, EventArgs.Empty);
    }

    private void RefreshExpiry()
    {
        if (!IsAvailable)
        {
            // Connection events say when Redis is back; this catches one that came before the hub listened.
            if (_redis.IsConnected)
            {
                UpdateAvailability(null);
            }

            return;
        }

        try
        {
            foreach (var state in _rooms.Values)
            {
                if (state.Replica is { IsIdle: false })
                {
                    Database.KeyExpire(state.Meta, TimeSpan.FromMilliseconds(KeyExpiryMilliseconds), CommandFlags.FireAndForget);
                    Database.KeyExpire(state.Log, TimeSpan.FromMilliseconds(KeyExpiryMilliseconds), CommandFlags.FireAndForget);
                }
            }
        }
        catch (Exception error) when (error is RedisException or ObjectDisposedException)
        {
            // The next tick tries again; an outage is reported by the connection events.
        }
    }
}
