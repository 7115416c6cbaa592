using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Threading.Channels;
using StreamingGreeter.Hub.Internal;

namespace StreamingGreeter.Hub;

/// <summary>
/// The embedded, in-process <see cref="IBroadcastHub"/>: one bounded channel per subscriber, written without waiting
/// by publishers, and a bounded history per room.
/// </summary>
/// <remarks>
/// Locks: one for the room table, one per room. The table lock may be taken before a room's lock, never after, and no
/// lock is held across an await or while a subscriber's channel is completed.
/// </remarks>
public sealed class InMemoryBroadcastHub : IBroadcastHub, IDisposable
{
    private readonly BroadcastHubOptions _options;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _roomsGate = new();
    private readonly BoundedChannelOptions _channelOptions;
    private readonly ITimer _sweepTimer;
    private readonly HubMetrics _metrics;
    private readonly Action<RoomEvent>? _onDropped;
    private readonly Action<Room>? _roomRemoved;
    private int _subscriberCount;

    /// <summary>Creates a hub.</summary>
    /// <exception cref="ValidationException">An option is out of range.</exception>
    public InMemoryBroadcastHub(BroadcastHubOptions options, TimeProvider? timeProvider = null, HubMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _options = options;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = metrics ?? new HubMetrics();
        _metrics.Observe(() => RoomCount, () => SubscriberCount);
        if (options.SlowSubscriberPolicy == SlowSubscriberPolicy.DropOldest)
        {
            _onDropped = _ => _metrics.Dropped();
        }

        _channelOptions = new BoundedChannelOptions(options.SubscriberBufferCapacity)
        {
            SingleReader = true,
            // Writes happen under the room's gate, one at a time, but from many threads.
            SingleWriter = false,
            FullMode = options.SlowSubscriberPolicy == SlowSubscriberPolicy.DropOldest
                ? BoundedChannelFullMode.DropOldest
                : BoundedChannelFullMode.Wait,
        };
        var sweepPeriod = TimeSpan.FromTicks(Math.Max(options.IdleRoomTimeout.Ticks / 4, TimeSpan.TicksPerSecond));
        _sweepTimer = _time.CreateTimer(static state => ((InMemoryBroadcastHub)state!).RemoveExpiredRooms(), this, sweepPeriod, sweepPeriod);
    }

    /// <summary>
    /// A hub whose rooms replicate an external log (see <c>OpenReplica</c>): <paramref name="roomRemoved"/> hears of every
    /// room that leaves the hub, whether idle, evicted or closed. It may be called under the room table's lock, so it must
    /// only hand the work on.
    /// </summary>
    internal InMemoryBroadcastHub(BroadcastHubOptions options, TimeProvider? timeProvider, HubMetrics? metrics, Action<Room> roomRemoved)
        : this(options, timeProvider, metrics)
    {
        _roomRemoved = roomRemoved;
    }

    /// <summary>Rooms currently held.</summary>
    public int RoomCount
    {
        get
        {
            lock (_roomsGate)
            {
                return _rooms.Count;
            }
        }
    }

    /// <summary>Subscriptions currently registered in a room.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriberCount);

    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string room, string sender, string text, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();

        List<Subscriber>? overflowed = null;
        while (true)
        {
            var state = GetOrCreateRoom(room);
            RoomEvent published;
            bool empty;
            lock (state.Gate)
            {
                if (state.Closed)
                {
                    continue;
                }

                published = AppendLocked(state, RoomEventKind.Message, sender, text, ref overflowed);
                empty = IsEmptyLocked(state);
            }

            Disconnect(overflowed);
            if (empty)
            {
                RemoveIfEmpty(state);
            }

            return new ValueTask<PublishResult>(new PublishResult(published.Sequence, published.Epoch));
        }
    }

    /// <inheritdoc />
    public ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentOutOfRangeException.ThrowIfNegative(options.AfterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        var channel = Channel.CreateBounded(_channelOptions, _onDropped);
        List<Subscriber>? overflowed = null;
        while (true)
        {
            var state = GetOrCreateRoom(room);
            Subscriber? subscriber;
            lock (state.Gate)
            {
                subscriber = TryAddLocked(state, options, options.Member, channel, ref overflowed);
            }

            if (subscriber is null)
            {
                // The room closed between finding and locking it: a new one takes its place.
                continue;
            }

            Disconnect(overflowed);
            return new ValueTask<IRoomSubscription>(subscriber);
        }
    }

    /// <summary>Stops the idle-room timer.</summary>
    public void Dispose() => _sweepTimer.Dispose();

    /// <summary>
    /// Opens <paramref name="name"/> as a replica of an external log whose events up to <paramref name="lastSequence"/>
    /// are known, the last of them in <paramref name="history"/> (oldest first, contiguous). Returns the open room if
    /// there is one. Events then arrive through <see cref="TryAppendReplica"/> only.
    /// </summary>
    /// <exception cref="RoomLimitExceededException">No more rooms can be created.</exception>
    internal Room OpenReplica(string name, string epoch, long lastSequence, IReadOnlyList<RoomEvent> history) =>
        GetOrAddRoom(name, (Epoch: epoch, LastSequence: lastSequence, History: history), static (hub, name, replica) =>
        {
            var created = hub.NewRoom(name, replica.Epoch);
            created.LastSequence = replica.LastSequence;
            foreach (var item in replica.History)
            {
                created.History.Add(item);
            }

            return created;
        });

    /// <summary>
    /// Appends an event the external log sequenced and delivers it to the room's subscribers. An event at or below the
    /// room's last sequence is already there and is skipped. False once the room has left the hub.
    /// </summary>
    internal bool TryAppendReplica(Room state, RoomEvent item)
    {
        List<Subscriber>? overflowed = null;
        lock (state.Gate)
        {
            if (state.Closed)
            {
                return false;
            }

            Debug.Assert(item.Epoch == state.Epoch, "A replica's events belong to its epoch.");
            if (item.Sequence <= state.LastSequence)
            {
                return true;
            }

            state.LastSequence = item.Sequence;
            DeliverLocked(state, item, ref overflowed);
        }

        Disconnect(overflowed);
        return true;
    }

    /// <summary>
    /// Subscribes to a replica room: replay from its history, then live, taken in one step under its gate. Membership
    /// events are the caller's to publish through the external log. Null once the room has left the hub.
    /// </summary>
    /// <exception cref="SubscriberLimitExceededException">The room has its maximum number of subscribers.</exception>
    internal IRoomSubscription? TrySubscribeReplica(Room state, SubscribeOptions options)
    {
        var channel = Channel.CreateBounded(_channelOptions, _onDropped);
        List<Subscriber>? overflowed = null;
        lock (state.Gate)
        {
            return TryAddLocked(state, options, member: null, channel, ref overflowed);
        }
    }

    /// <summary>
    /// Registers a subscriber with its replay, under the room's gate; null when the room has closed. A member's JOINED
    /// is appended first and handed to it as the last replayed event, so its own JOINED is the first live event it
    /// sees, whether or not history is kept.
    /// </summary>
    private Subscriber? TryAddLocked(Room state, SubscribeOptions options, string? member, Channel<RoomEvent> channel, ref List<Subscriber>? overflowed)
    {
        if (state.Closed)
        {
            return null;
        }

        if (state.SubscriberCount >= _options.MaxSubscribersPerRoom)
        {
            throw new SubscriberLimitExceededException(state.Name, _options.MaxSubscribersPerRoom);
        }

        var subscriber = new Subscriber(this, state, member, channel);
        var replay = ReplayLocked(state, options);
        if (member is not null)
        {
            var joined = AppendLocked(state, RoomEventKind.Joined, member, string.Empty, ref overflowed);
            Array.Resize(ref replay, replay.Length + 1);
            replay[^1] = joined;
        }

        state.Add(subscriber);
        Interlocked.Increment(ref _subscriberCount);
        subscriber.Start(replay);
        return subscriber;
    }

    /// <summary>
    /// Removes a replica room at once and ends each of its subscriptions with <paramref name="error"/>, after the events
    /// already buffered for it.
    /// </summary>
    internal void CloseReplica(Room state, Exception error)
    {
        Subscriber[] ended;
        lock (state.Gate)
        {
            if (state.Closed)
            {
                return;
            }

            state.Closed = true;
            ended = state.Subscribers.ToArray();
            foreach (var subscriber in ended)
            {
                RemoveLocked(state, subscriber);
            }
        }

        Forget(state);
        foreach (var subscriber in ended)
        {
            subscriber.Complete(error);
        }
    }

    /// <summary>Closes every room as <see cref="CloseReplica"/> does.</summary>
    internal void CloseAllReplicas(Exception error)
    {
        Room[] all;
        lock (_roomsGate)
        {
            all = [.. _rooms.Values];
        }

        foreach (var state in all)
        {
            CloseReplica(state, error);
        }
    }

    internal void Unsubscribe(Subscriber subscriber, bool graceful)
    {
        if (!subscriber.TryEnd())
        {
            return;
        }

        var state = subscriber.RoomState;
        List<Subscriber>? overflowed = null;
        bool empty;
        lock (state.Gate)
        {
            // Graceful: LEFT goes out while the subscriber is still registered, so it is the last event it reads.
            if (!graceful)
            {
                RemoveLocked(state, subscriber);
            }

            if (subscriber.Member is not null && !state.Closed)
            {
                AppendLocked(state, RoomEventKind.Left, subscriber.Member, string.Empty, ref overflowed);
            }

            RemoveLocked(state, subscriber);
            empty = IsEmptyLocked(state);
        }

        Disconnect(overflowed);
        subscriber.Complete();
        if (empty)
        {
            RemoveIfEmpty(state);
        }
    }

    /// <summary>Removes rooms that have had no subscriber for longer than <see cref="BroadcastHubOptions.IdleRoomTimeout"/>.</summary>
    internal void RemoveExpiredRooms()
    {
        var cutoff = _time.GetUtcNow().UtcTicks - _options.IdleRoomTimeout.Ticks;
        Room[] idle;
        lock (_roomsGate)
        {
            idle = [.. _rooms.Values.Where(static r => r.IsIdle)];
        }

        foreach (var state in idle)
        {
            lock (state.Gate)
            {
                if (state.Closed || !state.IsIdle || state.IdleSince > cutoff)
                {
                    continue;
                }

                state.Closed = true;
            }

            Forget(state);
        }
    }

    private Room GetOrCreateRoom(string name) =>
        GetOrAddRoom(name, 0, static (hub, name, _) => hub.NewRoom(name, Guid.NewGuid().ToString("N")));

    /// <summary>The open room named <paramref name="name"/>, or one made by <paramref name="create"/> in a free slot.</summary>
    private Room GetOrAddRoom<TState>(string name, TState state, Func<InMemoryBroadcastHub, string, TState, Room> create)
    {
        lock (_roomsGate)
        {
            if (_rooms.TryGetValue(name, out var existing))
            {
                if (!existing.Closed)
                {
                    return existing;
                }

                _rooms.Remove(name);
            }

            if (_rooms.Count >= _options.MaxRooms)
            {
                EvictLongestIdleLocked(name);
            }

            var created = create(this, name, state);
            _rooms.Add(name, created);
            return created;
        }
    }

    private Room NewRoom(string name, string epoch) => new(name, epoch, _options.HistorySize, _time.GetUtcNow().UtcTicks);

    /// <summary>Called with the table lock held: frees one slot by closing the room idle for longest, or throws.</summary>
    private void EvictLongestIdleLocked(string wanted)
    {
        while (true)
        {
            Room? candidate = null;
            foreach (var state in _rooms.Values)
            {
                if (state.Closed)
                {
                    candidate = state;
                    break;
                }

                // Read without the room's gate to choose; confirmed under it below.
                if (state.IsIdle && (candidate is null || state.IdleSince < candidate.IdleSince))
                {
                    candidate = state;
                }
            }

            if (candidate is null)
            {
                throw new RoomLimitExceededException(wanted, _options.MaxRooms);
            }

            lock (candidate.Gate)
            {
                if (!candidate.Closed && !candidate.IsIdle)
                {
                    continue;
                }

                candidate.Closed = true;
            }

            _rooms.Remove(candidate.Name);
            _roomRemoved?.Invoke(candidate);
            return;
        }
    }

    private RoomEvent AppendLocked(Room state, RoomEventKind kind, string sender, string text, ref List<Subscriber>? overflowed)
    {
        var item = new RoomEvent(kind, state.Name, sender, text, ++state.LastSequence, _time.GetUtcNow(), state.Epoch);
        DeliverLocked(state, item, ref overflowed);
        return item;
    }

    private void DeliverLocked(Room state, RoomEvent item, ref List<Subscriber>? overflowed)
    {
        state.History.Add(item);
        var subscribers = state.Subscribers;
        // Backwards, because removing swaps the last subscriber into the freed slot.
        for (var i = subscribers.Length - 1; i >= 0; i--)
        {
            var subscriber = subscribers[i];
            if (!subscriber.TryDeliver(item))
            {
                RemoveLocked(state, subscriber);
                (overflowed ??= []).Add(subscriber);
            }
        }

        _metrics.Published(state.SubscriberCount);
    }

    private static RoomEvent[] ReplayLocked(Room state, SubscribeOptions options)
    {
        if (string.IsNullOrEmpty(options.Epoch))
        {
            return options.AfterSequence > 0 ? state.History.After(options.AfterSequence) : [];
        }

        // With an epoch, 0 is a position like any other: the start of that epoch.
        return state.History.After(string.Equals(options.Epoch, state.Epoch, StringComparison.Ordinal) ? options.AfterSequence : 0);
    }

    private void RemoveLocked(Room state, Subscriber subscriber)
    {
        if (state.Remove(subscriber))
        {
            Interlocked.Decrement(ref _subscriberCount);
            if (state.IsIdle)
            {
                state.IdleSince = _time.GetUtcNow().UtcTicks;
            }
        }
    }

    private static bool IsEmptyLocked(Room state) => state.IsIdle && state.History.Count == 0;

    private void Disconnect(List<Subscriber>? overflowed)
    {
        if (overflowed is null)
        {
            return;
        }

        _metrics.Disconnected(overflowed.Count);
        foreach (var subscriber in overflowed)
        {
            subscriber.Complete(new SubscriberOverflowException(subscriber.Room, _options.SubscriberBufferCapacity));
        }
    }

    private void RemoveIfEmpty(Room state)
    {
        lock (state.Gate)
        {
            if (state.Closed || !IsEmptyLocked(state))
            {
                return;
            }

            state.Closed = true;
        }

        Forget(state);
    }

    private void Forget(Room state)
    {
        lock (_roomsGate)
        {
            if (_rooms.TryGetValue(state.Name, out var current) && ReferenceEquals(current, state))
            {
                _rooms.Remove(state.Name);
            }
        }

        _roomRemoved?.Invoke(state);
    }
}
