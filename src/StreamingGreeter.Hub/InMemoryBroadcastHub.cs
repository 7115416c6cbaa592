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
    private readonly Dictionary<string, CallerAccount> _callers = new(StringComparer.Ordinal);
    private readonly Lock _roomsGate = new();
    private readonly BoundedChannelOptions _channelOptions;
    private readonly ITimer _sweepTimer;
    private readonly HubMetrics _metrics;
    private readonly Action<Room>? _roomRemoved;
    private int _subscriberCount;

    // Every room's history bytes, changed under that room's gate. Checked and then added without one lock over all
    // rooms, so concurrent publishes into different rooms may overshoot the budget by one event each.
    private long _retainedBytes;

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

    /// <summary>Bytes of history all rooms retain, as <see cref="BroadcastHubOptions.MaxRetainedBytes"/> counts them.</summary>
    public long RetainedBytes => Volatile.Read(ref _retainedBytes);

    /// <inheritdoc />
    public ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();

        var messageId = string.IsNullOrEmpty(options.MessageId) ? null : options.MessageId;
        List<Subscriber>? overflowed = null;
        while (true)
        {
            var (state, caller) = GetOrCreateRoom(room, options.Caller);
            PublishResult published;
            bool empty;
            try
            {
                lock (state.Gate)
                {
                    if (state.Closed)
                    {
                        continue;
                    }

                    published = PublishLocked(state, sender, text, messageId, caller, ref overflowed);
                    empty = IsEmptyLocked(state);
                }
            }
            catch (HubLimitExceededException)
            {
                // A room made for this refused event holds nothing: it goes again.
                RemoveIfEmpty(state);
                throw;
            }
            finally
            {
                caller?.Unpin();
            }

            Disconnect(overflowed);
            if (empty)
            {
                RemoveIfEmpty(state);
            }

            return new ValueTask<PublishResult>(published);
        }
    }

    /// <summary>Appends a message, unless its id names one the room published within the window: then where that landed.</summary>
    private PublishResult PublishLocked(Room state, string sender, string text, string? messageId, CallerAccount? caller, ref List<Subscriber>? overflowed)
    {
        if (messageId is null)
        {
            var item = AppendLocked(state, RoomEventKind.Message, sender, text, messageId: null, caller, enforceBudgets: true, ref overflowed);
            return new PublishResult(item.Sequence, item.Epoch);
        }

        var now = _time.GetUtcNow().UtcTicks;
        if (state.MessageIds is { } seen && seen.TryGet(messageId, now, out var original))
        {
            return new PublishResult(original, state.Epoch) { Duplicate = true };
        }

        var published = AppendLocked(state, RoomEventKind.Message, sender, text, messageId, caller, enforceBudgets: true, ref overflowed);
        state.MessageIds ??= new MessageIds(_options.DeduplicationWindow.Ticks, _options.DeduplicationMaxIds);
        state.MessageIds.Add(messageId, published.Sequence, now);
        return new PublishResult(published.Sequence, published.Epoch);
    }

    /// <inheritdoc />
    public ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentOutOfRangeException.ThrowIfNegative(options.AfterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        List<Subscriber>? overflowed = null;
        while (true)
        {
            var (state, caller) = GetOrCreateRoom(room, options.Caller);
            Subscriber? subscriber;
            try
            {
                lock (state.Gate)
                {
                    subscriber = TryAddLocked(state, options, options.Member, caller, ref overflowed);
                }
            }
            catch (HubLimitExceededException)
            {
                caller?.Unpin();
                RemoveIfEmpty(state);
                throw;
            }

            if (subscriber is null)
            {
                // The room closed between finding and locking it: a new one takes its place.
                caller?.Unpin();
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
        GetOrAddRoom(name, owner: null, (Epoch: epoch, LastSequence: lastSequence, History: history), static (hub, name, owner, replica) =>
        {
            var created = hub.NewRoom(name, replica.Epoch, owner);
            created.LastSequence = replica.LastSequence;
            foreach (var item in replica.History)
            {
                hub.RetainLocked(created, item, owner: null);
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
            DeliverLocked(state, item, owner: null, ref overflowed);
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
        List<Subscriber>? overflowed = null;
        lock (state.Gate)
        {
            return TryAddLocked(state, options, member: null, caller: null, ref overflowed);
        }
    }

    /// <summary>
    /// Registers a subscriber with its replay, under the room's gate; null when the room has closed. A member's JOINED
    /// is appended first and handed to it as the last replayed event, so its own JOINED is the first live event it
    /// sees, whether or not history is kept.
    /// </summary>
    /// <remarks>The subscriber takes over the pin on <paramref name="caller"/> and gives it back when it ends.</remarks>
    private Subscriber? TryAddLocked(Room state, SubscribeOptions options, string? member, CallerAccount? caller, ref List<Subscriber>? overflowed)
    {
        if (state.Closed)
        {
            return null;
        }

        if (state.SubscriberCount >= _options.MaxSubscribersPerRoom)
        {
            throw new SubscriberLimitExceededException(state.Name, _options.MaxSubscribersPerRoom);
        }

        var subscriber = new Subscriber(this, state, member, caller, _channelOptions, _options.MaxSubscriberBufferBytes);
        var replay = ReplayLocked(state, options);
        if (member is not null)
        {
            var joined = AppendLocked(state, RoomEventKind.Joined, member, string.Empty, messageId: null, caller, enforceBudgets: true, ref overflowed);
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
                // A member's LEFT is never refused: it is how the others learn it went.
                AppendLocked(state, RoomEventKind.Left, subscriber.Member, string.Empty, messageId: null, subscriber.Caller, enforceBudgets: false, ref overflowed);
            }

            RemoveLocked(state, subscriber);
            empty = IsEmptyLocked(state);
        }

        Disconnect(overflowed);
        subscriber.Complete();
        subscriber.Caller?.Unpin();
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
            foreach (var (name, account) in _callers)
            {
                if (account.IsUnused)
                {
                    _callers.Remove(name);
                }
            }
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

    /// <summary>The room, made if need be, and the caller's account pinned (the caller unpins it when done).</summary>
    private (Room Room, CallerAccount? Caller) GetOrCreateRoom(string name, string? caller)
    {
        lock (_roomsGate)
        {
            CallerAccount? account = null;
            if (caller is not null)
            {
                if (!_callers.TryGetValue(caller, out account))
                {
                    account = new CallerAccount(caller);
                    _callers.Add(caller, account);
                }

                account.Pin();
            }

            try
            {
                return (GetOrAddRoom(name, account, 0, static (hub, name, owner, _) => hub.NewRoom(name, Guid.NewGuid().ToString("N"), owner)), account);
            }
            catch
            {
                account?.Unpin();
                throw;
            }
        }
    }

    /// <summary>
    /// The open room named <paramref name="name"/>, or one made by <paramref name="create"/> if the limits let
    /// <paramref name="owner"/> have another. A full hub refuses rather than evicts: a room's history belongs to whoever
    /// published it, and nobody else's new room may erase it.
    /// </summary>
    private Room GetOrAddRoom<TState>(string name, CallerAccount? owner, TState state, Func<InMemoryBroadcastHub, string, CallerAccount?, TState, Room> create)
    {
        lock (_roomsGate)
        {
            if (_rooms.TryGetValue(name, out var existing) && !existing.Closed)
            {
                return existing;
            }

            // A closed room still listed is on its way out (Forget removes it); counting it could refuse a room wrongly.
            var open = existing is null ? _rooms.Count : _rooms.Count - 1;
            if (open >= _options.MaxRooms)
            {
                throw new RoomLimitExceededException(name, _options.MaxRooms);
            }

            if (owner is not null && _options.MaxRoomsPerCaller > 0 && owner.Rooms >= _options.MaxRoomsPerCaller)
            {
                throw new CallerRoomLimitExceededException(name, owner.Name, _options.MaxRoomsPerCaller);
            }

            var created = create(this, name, owner, state);
            if (owner is not null)
            {
                owner.Rooms++;
            }

            _rooms[name] = created;
            return created;
        }
    }

    private Room NewRoom(string name, string epoch, CallerAccount? owner) =>
        new(name, epoch, new EventHistory(_options.HistorySize, _options.MaxHistoryBytesPerRoom), _time.GetUtcNow().UtcTicks, owner);

    /// <summary>
    /// Sequences and delivers an event. With <paramref name="enforceBudgets"/>, refuses it first, having changed
    /// nothing, when retaining it would take the hub's history or <paramref name="caller"/>'s share beyond its bytes.
    /// </summary>
    private RoomEvent AppendLocked(Room state, RoomEventKind kind, string sender, string text, string? messageId, CallerAccount? caller, bool enforceBudgets, ref List<Subscriber>? overflowed)
    {
        if (enforceBudgets && state.History.Retains)
        {
            var size = EventSize.Of(sender, text, messageId);
            var freed = state.History.WouldFree(size, caller, out var callersFreed);
            if (RetainedBytes + size - freed > _options.MaxRetainedBytes)
            {
                throw new RetainedBytesLimitExceededException(state.Name, _options.MaxRetainedBytes, caller: null);
            }

            if (caller is not null && _options.MaxRetainedBytesPerCaller > 0 && caller.Bytes + size - callersFreed > _options.MaxRetainedBytesPerCaller)
            {
                throw new RetainedBytesLimitExceededException(state.Name, _options.MaxRetainedBytesPerCaller, caller.Name);
            }
        }

        var item = new RoomEvent(kind, state.Name, sender, text, ++state.LastSequence, _time.GetUtcNow(), state.Epoch, messageId);
        DeliverLocked(state, item, caller, ref overflowed);
        return item;
    }

    private void DeliverLocked(Room state, RoomEvent item, CallerAccount? owner, ref List<Subscriber>? overflowed)
    {
        RetainLocked(state, item, owner);
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

    private void RetainLocked(Room state, RoomEvent item, CallerAccount? owner)
    {
        var delta = state.History.Add(item, item.Size, owner);
        if (delta != 0)
        {
            Interlocked.Add(ref _retainedBytes, delta);
        }
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

    // A room that remembers message ids is not empty: removing it would forget them, and a retry would publish twice.
    // The idle sweep removes it in time, as it does a room with history.
    private static bool IsEmptyLocked(Room state) => state.IsIdle && state.History.Count == 0 && (state.MessageIds?.Count ?? 0) == 0;

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

    internal void Dropped() => _metrics.Dropped();

    /// <summary>Called once for every room that closed: it leaves the table and gives back what it held.</summary>
    private void Forget(Room state)
    {
        lock (_roomsGate)
        {
            if (_rooms.TryGetValue(state.Name, out var current) && ReferenceEquals(current, state))
            {
                _rooms.Remove(state.Name);
            }

            if (state.Owner is { } owner)
            {
                owner.Rooms--;
            }
        }

        long freed;
        lock (state.Gate)
        {
            freed = state.History.Clear();
        }

        Interlocked.Add(ref _retainedBytes, -freed);
        _roomRemoved?.Invoke(state);
    }
}
