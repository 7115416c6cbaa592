using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// The hub's connection to Redis: made in the background, so that a server starts as fast without Redis as with it, and
/// re-established by itself. Says whether Redis can serve now, and logs each change of that once.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    private readonly ConfigurationOptions _configuration;
    private readonly ILogger _logger;
    private readonly Action<bool, bool> _changed;
    private readonly Action<ConnectionFailedEventArgs?> _pubSubChanged;
    private readonly Lock _gate = new();
    private readonly ITimer _recheck;
    private ConnectionMultiplexer? _redis;
    private bool _available;
    private bool _connectedBefore;
    private bool _disposed;

    /// <summary>
    /// Parses the configuration; <see cref="Start"/> connects. <paramref name="changed"/> hears every availability update:
    /// whether Redis can serve, and whether that changed. <paramref name="pubSubChanged"/> hears the pub/sub connection
    /// alone break (with the failure) while commands are still served, and come back (null).
    /// </summary>
    public RedisConnection(string configuration, TimeProvider time, ILogger logger, Action<bool, bool> changed, Action<ConnectionFailedEventArgs?> pubSubChanged)
    {
        _pubSubChanged = pubSubChanged;
        _logger = logger;
        // The connection events do not report a connection made before the hub listened to them (the first one may
        // be made while ConnectAsync returns); a look once a second while unavailable does, at the cost of a flag read.
        _recheck = time.CreateTimer(static state => ((RedisConnection)state!).Recheck(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _changed = changed;
        _configuration = ConfigurationOptions.Parse(configuration);
        // Start and keep serving without Redis: health says NOT_SERVING until it answers.
        _configuration.AbortOnConnectFail = false;
        // Fail at once while disconnected instead of queueing: a publish must not wait for an outage to end.
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        _configuration.ReconnectRetryPolicy ??= new ExponentialRetry(250, 5000);
        _configuration.ClientName ??= "streaminggreeter";
        EndPoint = string.Join(",", _configuration.EndPoints);
    }

    public string EndPoint { get; }

    public bool IsAvailable
    {
        get
        {
            lock (_gate)
            {
                return _available;
            }
        }
    }

    /// <summary>Starts connecting without waiting for it: nothing here blocks on the network.</summary>
    public void Start()
    {
        RedisHubLog.BackplaneConnecting(_logger, EndPoint);
        // On the thread pool: the client resolves names and opens sockets before its first await.
        _ = Task.Run(ConnectAsync);
        _recheck.Change(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    /// <summary>The database, or <see cref="HubUnavailableException"/> naming <paramref name="what"/> failed while Redis cannot serve.</summary>
    public IDatabase Database(string what) => Connected(what).GetDatabase();

    /// <summary>The pub/sub side, or <see cref="HubUnavailableException"/> as <see cref="Database"/>.</summary>
    public ISubscriber Subscriber(string what) => Connected(what).GetSubscriber();

    public void ThrowIfUnavailable(string what) => _ = Connected(what);

    /// <summary>Whether the pub/sub connection is up now, whatever order its events were raised in.</summary>
    public bool IsPubSubConnected
    {
        get
        {
            ConnectionMultiplexer? redis;
            lock (_gate)
            {
                redis = _disposed ? null : _redis;
            }

            return redis is not null && redis.GetSubscriber().IsConnected();
        }
    }

    public HubUnavailableException Unavailable(string what, Exception? error = null) =>
        new($"{what}: the Redis backplane ({EndPoint}) is unavailable; publish again, or resubscribe with after_sequence and epoch, once a server reports SERVING", error);

    /// <summary>Catches a connection the connection events did not report (one made before the hub listened).</summary>
    public void Recheck()
    {
        ConnectionMultiplexer? redis;
        lock (_gate)
        {
            redis = _available ? null : _redis;
        }

        if (redis is { IsConnected: true })
        {
            Update(null);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _recheck.DisposeAsync();
        ConnectionMultiplexer? redis;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _available = false;
            redis = _redis;
        }

        if (redis is not null)
        {
            await redis.CloseAsync();
            await redis.DisposeAsync();
        }

        // A connection still being made is closed when it is done (see ConnectAsync): shutting down does not wait
        // for an unreachable Redis.
    }

    private ConnectionMultiplexer Connected(string what)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_available && _redis is { } redis)
            {
                return redis;
            }
        }

        throw Unavailable(what);
    }

    private async Task ConnectAsync()
    {
        ConnectionMultiplexer redis;
        try
        {
            // With AbortOnConnectFail off this returns once the first attempt is over, connected or not, and the
            // client goes on trying by itself.
            redis = await ConnectionMultiplexer.ConnectAsync(_configuration);
        }
        catch (Exception error)
        {
            // In the background, nobody else would hear of it: a configuration the client cannot use at all.
            RedisHubLog.BackplaneConnectFailed(_logger, EndPoint, error.Message, error);
            return;
        }

        redis.ConnectionFailed += (_, e) =>
        {
            // The pub/sub connection alone (killed, or dropped by a proxy) is no outage: commands still run, and the
            // rooms catch up from their logs once it is back. Ending every stream for it would only make clients resume.
            if (e.ConnectionType == ConnectionType.Subscription && redis.IsConnected)
            {
                PubSubChanged(e);
            }
            else
            {
                Update(e);
            }
        };
        redis.ConnectionRestored += (_, e) =>
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                PubSubChanged(null);
            }

            Update(null);
        };
        bool disposed;
        lock (_gate)
        {
            disposed = _disposed;
            if (!disposed)
            {
                _redis = redis;
            }
        }

        if (disposed)
        {
            await redis.DisposeAsync();
            return;
        }

        Update(null);
    }

    private void PubSubChanged(ConnectionFailedEventArgs? failure)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        _pubSubChanged(failure);
    }

    private void Update(ConnectionFailedEventArgs? failure)
    {
        bool changed;
        bool now;
        bool restored;
        lock (_gate)
        {
            if (_disposed || _redis is not { } redis)
            {
                return;
            }

            now = failure is null && redis.IsConnected && redis.GetSubscriber().IsConnected();
            changed = now != _available;
            _available = now;
            restored = _connectedBefore;
            _connectedBefore |= now;
        }

        if (changed)
        {
            if (!now)
            {
                RedisHubLog.BackplaneUnavailable(_logger, failure?.FailureType.ToString() ?? "not connected", failure?.EndPoint?.ToString() ?? EndPoint, failure?.Exception);
            }
            else if (restored)
            {
                RedisHubLog.BackplaneRestored(_logger, EndPoint);
            }
            else
            {
                RedisHubLog.BackplaneConnected(_logger, EndPoint);
            }
        }

        _changed(now, changed);
    }
}
