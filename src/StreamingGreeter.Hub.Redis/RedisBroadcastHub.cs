using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StreamingGreeter.Hub.Redis.Internal;

namespace StreamingGreeter.Hub.Redis;

/// <summary>
/// An <see cref="IBroadcastHub"/> shared by several servers through Redis: a <see cref="BroadcastHub"/> whose rooms'
/// events are sequenced and kept in Redis. Each room has one epoch and one sequence space there, assigned atomically by
/// a script that appends the event to the room's stream; every node reads that stream in order and fans events out to
/// its own subscribers, with the same history, limits and budgets as the in-memory hub.
/// </summary>
/// <remarks>
/// The hub connects in the background: it is usable at once, and until Redis answers (and whenever it is unreachable)
/// publishes and subscriptions fail with <see cref="HubUnavailableException"/>, open subscriptions end with it, and
/// <see cref="IsAvailable"/> is false; the connection is re-established by itself. Every
/// <see cref="RedisBroadcastHubOptions.LivenessInterval"/> the node checks that it delivered every open room's last event,
/// and catches up from the room's log (re-subscribing when its notifications stopped) when it did not. A publish opens the room on this
/// node, as a subscription does, so that the hub's limits and budgets apply to it; it returns once Redis has
/// acknowledged the event and this node has read it back (its subscribers here have it).
/// </remarks>
public sealed class RedisBroadcastHub : IBroadcastHub, IHubAvailability, IHubPresence, IAsyncDisposable, IDisposable
{
    private readonly RedisConnection _connection;
    private readonly RedisPresence _presence;
    private readonly RedisRoomLog _log;
    private readonly RedisLiveness _liveness;
    private readonly BroadcastHub _engine;
    private int _disposed;

    /// <summary>Creates the hub and starts connecting to Redis, without waiting for it.</summary>
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

        var time = timeProvider ?? TimeProvider.System;
        logger ??= NullLogger.Instance;
        _connection = new RedisConnection(redisOptions.Configuration!, time, logger, OnAvailability, failure => _liveness!.PubSubChanged(failure));
        _presence = new RedisPresence(_connection, redisOptions.KeyPrefix, redisOptions.PresenceTtl, time);
        _log = new RedisRoomLog(_connection, options, redisOptions.KeyPrefix, _presence, time, logger);
        _liveness = new RedisLiveness(_connection, _log, redisOptions.LivenessInterval, time, logger, () => AvailabilityChanged?.Invoke(this, EventArgs.Empty));
        _engine = new BroadcastHub(options, _log, time, metrics);
        _connection.Start();
    }

    /// <summary>
    /// True while Redis serves this node and this node delivers what is published: false during an outage, and while
    /// its pub/sub connection is down or the liveness check finds a room it does not deliver.
    /// </summary>
    public bool IsAvailable => _connection.IsAvailable && _liveness.IsDelivering;

    /// <summary>The room log, for tests that break what a healthy connection hides (a dropped channel subscription).</summary>
    internal RedisRoomLog RoomLog => _log;

    /// <inheritdoc />
    public event EventHandler? AvailabilityChanged;

    /// <summary>Rooms open on this node.</summary>
    public int RoomCount => _engine.RoomCount;

    /// <summary>Subscriptions on this node.</summary>
    public int SubscriberCount => _engine.SubscriberCount;

    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        _connection.ThrowIfUnavailable($"the event for room \"{room}\" was not acknowledged");
        return _engine.PublishAsync(room, sender, text, options, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        _connection.ThrowIfUnavailable($"room \"{room}\" could not be opened");
        return _engine.SubscribeAsync(room, options, cancellationToken);
    }

    /// <summary>
    /// The room's members and subscriptions on every live node: this node's as they are now, the others' as they last
    /// wrote them (within moments of a change, and every <see cref="RedisBroadcastHubOptions.PresenceTtl"/>/3).
    /// </summary>
    /// <exception cref="HubUnavailableException">Redis cannot be reached now.</exception>
    public ValueTask<RoomPresence> GetPresenceAsync(string room, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        _connection.ThrowIfUnavailable($"the presence of room \"{room}\" could not be read");
        return _engine.GetPresenceAsync(room, cancellationToken);
    }

    /// <summary>Closes the rooms, removes this node's presence and closes the connection to Redis.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _liveness.DisposeAsync();
        _log.LoseAll(new HubUnavailableException("the node is shutting down"));
        await _log.DisposeAsync();
        _engine.Dispose();
        await _presence.DisposeAsync();
        await _connection.DisposeAsync();
    }

    /// <summary>Closes the rooms and the connection to Redis.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private void OnAvailability(bool available, bool changed)
    {
        if (!available)
        {
            // Every node's subscribers resume from Redis once it is back; nothing here can be trusted to be complete.
            _log.LoseAll(_connection.Unavailable("the stream ended"));
        }

        if (changed)
        {
            if (available)
            {
                // Whatever the liveness check found before the outage is stale; it says at once whether this node delivers.
                _liveness.RequestCheck();
            }

            AvailabilityChanged?.Invoke(this, EventArgs.Empty);
        }
    }
}
