using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using StreamingGreeter.Hub.Internal;

namespace StreamingGreeter.Hub;

/// <summary>
/// The hub over an <see cref="IRoomLog"/>: rooms, subscribers (one bounded channel each, written without waiting),
/// history, limits and the idle sweep live here, while the log sequences and keeps each room's events.
/// <see cref="InMemoryBroadcastHub"/> is it over an <see cref="InMemoryRoomLog"/>; a backplane is it over a shared log.
/// </summary>
/// <remarks>
/// Locks: one for the room table, one per room. The table lock may be taken before a room's lock, never after, and none
/// is held across an await or while a subscriber's channel is completed. A log may call back into a room under a lock
/// of its own (see <see cref="IRoomLogListener"/>; the in-memory log does, to give every hub one order), so the hub
/// never calls the log while it holds one of its locks: the log's lock always comes first. Completing a channel under
/// the log's lock is harmless, since channels run their readers' continuations asynchronously.
/// </remarks>
public sealed class BroadcastHub : IBroadcastHub, IHubPresence, IDisposable
{
    private readonly BroadcastHubOptions _options;
    private readonly IRoomLog _log;
    private readonly IRoomPresence? _presence;
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Room> _rooms = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CallerAccount> _callers = new(StringComparer.Ordinal);
    private readonly Lock _roomsGate = new();
    private readonly ITimer _sweepTimer;
    private readonly HubMetrics _metrics;
    private int _subscriberCount;

    // Every room's history bytes, changed under that room's gate. Checked and then added without one lock over all
    // rooms (and, since the log sequences an event between the two, not under one room's lock either), so concurrent
    // publishes may overshoot the budget by one event each.
    private long _retainedBytes;

    /// <summary>
    /// Creates a hub whose rooms' events <paramref name="log"/> sequences and keeps. A log that is also an
    /// <see cref="IRoomPresence"/> gathers the rooms' presence over the hub instances sharing it.
    /// </summary>
    /// <exception cref="ValidationException">An option is out of range.</exception>
    public BroadcastHub(BroadcastHubOptions options, IRoomLog log, TimeProvider? timeProvider = null, HubMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        _options = options;
        _log = log;
        _presence = log as IRoomPresence;
        _time = timeProvider ?? TimeProvider.System;
        _metrics = metrics ?? new HubMetrics();
        _metrics.Observe(() => RoomCount, () => SubscriberCount);

        var sweepPeriod = TimeSpan.FromTicks(Math.Max(options.IdleRoomTimeout.Ticks / 4, TimeSpan.TicksPerSecond));
        _sweepTimer = _time.CreateTimer(static state => ((BroadcastHub)state!).RemoveExpiredRooms(), this, sweepPeriod, sweepPeriod);
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
    public ValueTask<RoomPresence> GetPresenceAsync(string room, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        cancellationToken.ThrowIfCancellationRequested();
        if (_presence is not null)
        {
            return _presence.ReadAsync(room, cancellationToken);
        }

        Room? state;
        lock (_roomsGate)
        {
            _rooms.TryGetValue(room, out state);
        }

        return new ValueTask<RoomPresence>(state?.GetPresence() ?? RoomPresence.Empty);
    }

    /// <inheritdoc />
    public async ValueTask<PublishResult> PublishAsync(string room, string sender, string text, PublishOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(text);
        cancellationToken.ThrowIfCancellationRequested();

        var messageId = string.IsNullOrEmpty(options.MessageId) ? null : options.MessageId;
        var contentType = options.ContentType ?? string.Empty;

        // Copied once here: every subscriber and the log share the event, so its bytes must not change under them.
        var data = options.Data.IsEmpty ? ReadOnlyMemory<byte>.Empty : options.Data.ToArray();
        var size = EventSize.Of(sender, text, messageId, data.Length, contentType);
        while (true)
        {
            var (state, caller, created) = GetOrCreateRoom(room, options.Caller);
            try
            {
                if (!await OpenedAsync(state, created, cancellationToken))
                {
                    continue;
                }

                lock (state.Gate)
                {
                    if (state.Closed)
                    {
                        continue;
                    }

                    CheckBudgetsLocked(state, size, caller);
                }

                // Not cancelled half way: once it is in the log it is published, and the publisher must learn where.
                var published = await state.Session!.AppendAsync(new RoomLogEntry(RoomEventKind.Message, sender, text, messageId, _time.GetUtcNow()) { Data = data, ContentType = contentType }, CancellationToken.None);
                if (!published.Duplicate)
                {
                    await AppendedAsync(state, published, caller);
                }

                // A room that retains history holds the event just published, or will once its log hands it over
                // (which may be after this returns), so only a room without history can be empty now. Read without
                // the gate, as a hint: RemoveIfEmpty looks again under it, and the common case takes no lock here.
                if (!state.History.Retains && state.IsIdle)
                {
                    RemoveIfEmpty(state);
                }

                return published;
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
        }
    }

    /// <inheritdoc />
    public async ValueTask<IRoomSubscription> SubscribeAsync(string room, SubscribeOptions options = default, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        ArgumentOutOfRangeException.ThrowIfNegative(options.AfterSequence);
        cancellationToken.ThrowIfCancellationRequested();

        var member = string.IsNullOrEmpty(options.Member) ? null : options.Member;
        while (true)
        {
            var (state, caller, created) = GetOrCreateRoom(room, options.Caller);
            Subscriber? subscriber;
            try
            {
                if (!await OpenedAsync(state, created, cancellationToken))
                {
                    caller?.Unpin();
                    continue;
                }

                lock (state.Gate)
                {
                    subscriber = TryAddLocked(state, options, member, caller);
                }
            }
            catch (HubLimitExceededException)
            {
                caller?.Unpin();
                RemoveIfEmpty(state);
                throw;
            }
            catch
            {
                caller?.Unpin();
                throw;
            }

            if (subscriber is null)
            {
                // The room closed between finding and locking it: a new one takes its place.
                caller?.Unpin();
                continue;
            }

            if (member is null)
            {
                PresenceChanged(state);
                return subscriber;
            }

            PublishResult joined;
            var joinedTime = _time.GetUtcNow();
            try
            {
                // Not cancelled half way: a JOINED in the log without its subscription would never be followed by a LEFT.
                joined = await state.Session!.AppendAsync(new RoomLogEntry(RoomEventKind.Joined, member, string.Empty, null, joinedTime), CancellationToken.None);
                await AppendedAsync(state, joined, caller);
            }
            catch
            {
                await subscriber.DisposeAsync();
                throw;
            }

            subscriber.Joined(member, options.Identity ?? string.Empty, joinedTime, joined.Sequence, startsLive: options.AfterSequence == 0 && string.IsNullOrEmpty(options.Epoch));
            lock (state.Gate)
            {
                // Counted once its JOINED is out, unless it ended meanwhile (its room lost): then it is gone already.
                if (subscriber.Slot >= 0)
                {
                    subscriber.InPresence = true;
                    state.AddMember(member, subscriber.Identity, joinedTime);
                }
            }

            PresenceChanged(state);
            return subscriber;
        }
    }

    /// <summary>
    /// Stops the idle-room timer and closes every room this hub holds: each subscription ends, after the events already
    /// buffered for it, with <see cref="HubUnavailableException"/> (resume elsewhere), and the log is told this hub no
    /// longer follows the room, so a shared log forgets it once no other hub does.
    /// </summary>
    public void Dispose()
    {
        _sweepTimer.Dispose();
        Room[] open;
        lock (_roomsGate)
        {
            open = [.. _rooms.Values];
        }

        var stopped = new HubUnavailableException("the hub is shutting down");
        foreach (var state in open)
        {
            Close(state, stopped);
        }
    }

    /// <summary>
    /// Registers a subscriber with its replay, under the room's gate; null when the room has closed. Refuses a member
    /// whose JOINED the budgets would refuse before registering it.
    /// </summary>
    /// <remarks>The subscriber takes over the pin on <paramref name="caller"/> and gives it back when it ends.</remarks>
    private Subscriber? TryAddLocked(Room state, SubscribeOptions options, string? member, CallerAccount? caller)
    {
        if (state.Closed)
        {
            return null;
        }

        if (state.SubscriberCount >= _options.MaxSubscribersPerRoom)
        {
            throw new SubscriberLimitExceededException(state.Name, _options.MaxSubscribersPerRoom);
        }

        if (member is not null)
        {
            CheckBudgetsLocked(state, EventSize.Of(member, string.Empty), caller);
        }

        var subscriber = new Subscriber(this, state, caller, _options.SubscriberBufferCapacity, _options.SlowSubscriberPolicy == SlowSubscriberPolicy.DropOldest, _options.MaxSubscriberBufferBytes);
        state.Add(subscriber);
        Interlocked.Increment(ref _subscriberCount);
        subscriber.Start(ReplayLocked(state, options));
        return subscriber;
    }

    internal async ValueTask UnsubscribeAsync(Subscriber subscriber, bool graceful, CancellationToken cancellationToken)
    {
        if (!subscriber.TryEnd())
        {
            return;
        }

        var state = subscriber.RoomState;
        var member = subscriber.Member;
        try
        {
            if (member is not null && graceful && !state.Closed)
            {
                // LEFT goes out while the subscriber is still registered, so it is the last event it reads: the fan-out
                // removes it as it hands it its own LEFT (see DeliverLocked).
                lock (state.Gate)
                {
                    subscriber.Leaving = true;
                    // Out of the room's members before its LEFT is out: whoever hears the LEFT and asks no longer finds it.
                    RemoveFromPresenceLocked(state, subscriber);
                }

                PresenceChanged(state);

                // A member's LEFT is never refused: it is how the others learn it went.
                var left = await state.Session!.AppendAsync(new RoomLogEntry(RoomEventKind.Left, member, string.Empty, null, _time.GetUtcNow()), CancellationToken.None);
                var delivered = AppendedAsync(state, left, subscriber.Caller);
                if (!delivered.IsCompletedSuccessfully)
                {
                    await delivered.AsTask().WaitAsync(cancellationToken);
                }
            }
        }
        finally
        {
            lock (state.Gate)
            {
                RemoveLocked(state, subscriber);
            }

            subscriber.Complete();
            PresenceChanged(state);
            if (member is not null && !graceful && !state.Closed)
            {
                await PublishLeftAsync(state, member, subscriber.Caller);
            }

            subscriber.Caller?.Unpin();
            RemoveIfEmpty(state);
        }
    }

    /// <summary>A member that went away without leaving: the others hear of it if the log can still be reached.</summary>
    private async ValueTask PublishLeftAsync(Room state, string member, CallerAccount? caller)
    {
        try
        {
            var left = await state.Session!.AppendAsync(new RoomLogEntry(RoomEventKind.Left, member, string.Empty, null, _time.GetUtcNow()), CancellationToken.None);
            await AppendedAsync(state, left, caller);
        }
        catch (Exception error) when (error is HubUnavailableException or InvalidOperationException)
        {
            // The log is unreachable or refused it, or the hub is shutting down: there is nobody to tell, and a
            // subscription going away does not fail for it. The log reports what it refused.
        }
    }

    /// <summary>Removes rooms that have had no subscriber for longer than <see cref="BroadcastHubOptions.IdleRoomTimeout"/>.</summary>
    internal void RemoveExpiredRooms()
    {
        var cutoff = _time.GetUtcNow().UtcTicks - _options.IdleRoomTimeout.Ticks;
        Room[] idle;
        lock (_roomsGate)
        {
            idle = [.. _rooms.Values.Where(static r => r.IsIdle && r.IsOpen)];
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

    /// <summary>An event from the room's log, appended here or elsewhere: retained and fanned out in sequence order.</summary>
    internal void OnAppended(Room state, RoomEvent item)
    {
        List<Subscriber>? overflowed = null;
        lock (state.Gate)
        {
            if (state.Closed)
            {
                return;
            }

            if (!state.IsOpen)
            {
                // Handed over while the room loads its history: delivered once it has (see LoadLocked).
                (state.Pending ??= []).Add(item);
                return;
            }

            DeliverLocked(state, item, ref overflowed);
        }

        if (overflowed is not null)
        {
            PresenceChanged(state);
        }

        Disconnect(overflowed);
    }

    /// <summary>
    /// Closes a room at once, whatever it holds, and ends each of its subscriptions with <paramref name="error"/>
    /// after the events already buffered for it: its log can no longer be followed.
    /// </summary>
    internal void Close(Room state, Exception error)
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
        PresenceChanged(state);
        foreach (var subscriber in ended)
        {
            subscriber.Complete(error);
        }
    }

    internal void Dropped() => _metrics.Dropped();

    /// <summary>A subscription of the room started or ended here: a shared presence store hears of it. Never under a hub lock.</summary>
    private void PresenceChanged(Room state) => _presence?.Changed(state);

    /// <summary>
    /// True once the room is open; false when it closed meanwhile (the caller takes a new one). The caller that made it
    /// opens it; the others wait for that.
    /// </summary>
    private ValueTask<bool> OpenedAsync(Room state, bool created, CancellationToken cancellationToken)
    {
        if (state.IsOpen)
        {
            return new ValueTask<bool>(true);
        }

        return created ? OpenAsync(state) : WaitOpenedAsync(state, cancellationToken);
    }

    private async ValueTask<bool> OpenAsync(Room state)
    {
        IRoomLogSession? session = null;
        try
        {
            // Not cancelled by the caller: others may be waiting for the same room.
            session = await _log.OpenAsync(state.Name, state, CancellationToken.None);
            // The history ends where the log opened: what was appended since comes to the listener, and a read that
            // ran past that point (another node appending meanwhile) would end on events the room does not have yet.
            var count = (int)Math.Min(_options.HistorySize, session.LastSequence);
            var history = count > 0
                ? await session.ReadAsync(session.LastSequence - count, count, CancellationToken.None)
                : [];
            List<Subscriber>? overflowed = null;
            bool loaded;
            TaskCompletionSource<bool>? waiter;
            lock (state.Gate)
            {
                loaded = !state.Closed;
                if (loaded)
                {
                    LoadLocked(state, session, history, ref overflowed);
                }

                waiter = state.OpenWaiter;
            }

            Debug.Assert(overflowed is null, "Nobody subscribes before the room is open.");
            if (!loaded)
            {
                // Closed while opening (its log was lost): Forget had no session to let go yet.
                await session.DisposeAsync();
            }

            waiter?.TrySetResult(loaded);
            return loaded;
        }
        catch (Exception error)
        {
            TaskCompletionSource<bool>? waiter;
            bool closing;
            lock (state.Gate)
            {
                state.OpenError = error;
                closing = !state.Closed;
                state.Closed = true;
                waiter = state.OpenWaiter;
            }

            // Once per room: it may have closed already, its log lost while it opened.
            if (closing)
            {
                Forget(state);
            }

            if (session is not null)
            {
                await session.DisposeAsync();
            }

            waiter?.TrySetException(error);
            throw;
        }
    }

    private async ValueTask<bool> WaitOpenedAsync(Room state, CancellationToken cancellationToken)
    {
        Task<bool> opened;
        lock (state.Gate)
        {
            if (state.IsOpen)
            {
                return true;
            }

            if (state.OpenError is { } error)
            {
                throw error;
            }

            if (state.Closed)
            {
                return false;
            }

            state.OpenWaiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            opened = state.OpenWaiter.Task;
        }

        return await opened.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Takes the room's epoch and position from its log, the contiguous run of retained events that ends there as
    /// history, then what the log handed over meanwhile.
    /// </summary>
    private void LoadLocked(Room state, IRoomLogSession session, IReadOnlyList<RoomEvent> history, ref List<Subscriber>? overflowed)
    {
        state.Session = session;
        state.Epoch = session.Epoch;
        state.LastSequence = session.LastSequence;
        var first = history.Count;
        while (first > 0 && history[first - 1] is var item && item.Epoch == session.Epoch
            && item.Sequence == session.LastSequence - (history.Count - first))
        {
            first--;
        }

        for (var i = first; i < history.Count; i++)
        {
            RetainLocked(state, history[i], owner: null);
            state.HasMessageIds |= history[i].MessageId is not null;
        }

        state.IsOpen = true;
        if (state.Pending is { } pending)
        {
            state.Pending = null;
            foreach (var item in pending)
            {
                DeliverLocked(state, item, ref overflowed);
            }
        }
    }

    /// <summary>
    /// After the log appended a publisher's event: waits until the log has handed it to this room, as publishes into
    /// the in-memory hub have always returned once the local subscribers have the event, and charges it to the caller's
    /// budget as the room retains it. An in-memory log has handed it over already, so that costs nothing there.
    /// </summary>
    private ValueTask AppendedAsync(Room state, PublishResult published, CallerAccount? caller)
    {
        if (caller is null && Volatile.Read(ref state.LastSequence) >= published.Sequence)
        {
            // Nothing to charge and nothing to wait for: no lock either.
            return ValueTask.CompletedTask;
        }

        TaskCompletionSource done;
        lock (state.Gate)
        {
            if (state.Closed || state.Epoch != published.Epoch)
            {
                return ValueTask.CompletedTask;
            }

            if (state.LastSequence >= published.Sequence)
            {
                if (caller is not null)
                {
                    state.History.Charge(published.Sequence, caller);
                }

                return ValueTask.CompletedTask;
            }

            // Waited for even without subscribers here: whatever this hub does next in the room (a subscription
            // that starts live, a budget check) must see the event it just published.
            var charge = caller is not null && state.History.Retains ? caller : null;
            done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Pinned until charged, so that the account is not forgotten in between.
            charge?.Pin();
            (state.PendingDeliveries ??= []).Add(new PendingDelivery(published.Sequence, done, charge));
        }

        return new ValueTask(done.Task);
    }

    /// <summary>The room, made if need be, and the caller's account pinned (the caller unpins it when done).</summary>
    private (Room Room, CallerAccount? Caller, bool Created) GetOrCreateRoom(string name, string? caller)
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
                if (_rooms.TryGetValue(name, out var existing) && !existing.Closed)
                {
                    return (existing, account, false);
                }

                // A full hub refuses rather than evicts: a room's history belongs to whoever published it, and nobody
                // else's new room may erase it. A closed room still listed is on its way out (Forget removes it);
                // counting it could refuse a room wrongly.
                var open = existing is null ? _rooms.Count : _rooms.Count - 1;
                if (open >= _options.MaxRooms)
                {
                    throw new RoomLimitExceededException(name, _options.MaxRooms);
                }

                if (account is not null && _options.MaxRoomsPerCaller > 0 && account.Rooms >= _options.MaxRoomsPerCaller)
                {
                    throw new CallerRoomLimitExceededException(name, account.Name, _options.MaxRoomsPerCaller);
                }

                var created = new Room(this, name, new EventHistory(_options.HistorySize, _options.MaxHistoryBytesPerRoom), _time.GetUtcNow().UtcTicks, account);
                if (account is not null)
                {
                    account.Rooms++;
                }

                _rooms[name] = created;
                return (created, account, true);
            }
            catch
            {
                account?.Unpin();
                throw;
            }
        }
    }

    /// <summary>
    /// Refuses an event of <paramref name="size"/>, having changed nothing, when retaining it would take the hub's
    /// history or <paramref name="caller"/>'s share beyond its bytes.
    /// </summary>
    private void CheckBudgetsLocked(Room state, int size, CallerAccount? caller)
    {
        if (!state.History.Retains)
        {
            return;
        }

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

    /// <summary>Retains and fans out the room's next event; one at or below its position is there already.</summary>
    private void DeliverLocked(Room state, RoomEvent item, ref List<Subscriber>? overflowed)
    {
        if (item.Sequence <= state.LastSequence)
        {
            return;
        }

        Debug.Assert(item.Sequence == state.LastSequence + 1 && item.Epoch == state.Epoch, "A log hands over its events in order, in the room's epoch.");
        state.LastSequence = item.Sequence;
        state.HasMessageIds |= item.MessageId is not null;
        RetainLocked(state, item, owner: null);
        var subscribers = state.Subscribers;
        var left = item.Kind == RoomEventKind.Left;
        // Backwards, because removing swaps the last subscriber into the freed slot.
        for (var i = subscribers.Length - 1; i >= 0; i--)
        {
            var subscriber = subscribers[i];
            if (!subscriber.TryDeliver(item))
            {
                RemoveLocked(state, subscriber);
                (overflowed ??= []).Add(subscriber);
            }
            else if (left && subscriber.Leaving && subscriber.Member == item.Sender)
            {
                // Its own LEFT is its last event: nothing published after it reaches it (its leave completes it).
                RemoveLocked(state, subscriber);
            }
        }

        _metrics.Published(state.SubscriberCount);
        if (state.PendingDeliveries is { Count: > 0 } pending)
        {
            for (var i = pending.Count - 1; i >= 0; i--)
            {
                var (sequence, done, charge) = pending[i];
                if (sequence > item.Sequence)
                {
                    continue;
                }

                if (charge is not null)
                {
                    state.History.Charge(sequence, charge);
                    charge.Unpin();
                }

                // Continuations run asynchronously, so completing under the gate runs nothing here.
                done.TrySetResult();
                pending.RemoveAt(i);
            }
        }
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

    private bool RemoveLocked(Room state, Subscriber subscriber)
    {
        if (!state.Remove(subscriber))
        {
            return false;
        }

        Interlocked.Decrement(ref _subscriberCount);
        RemoveFromPresenceLocked(state, subscriber);
        if (state.IsIdle)
        {
            state.IdleSince = _time.GetUtcNow().UtcTicks;
        }

        return true;
    }

    private static void RemoveFromPresenceLocked(Room state, Subscriber subscriber)
    {
        if (subscriber.InPresence)
        {
            subscriber.InPresence = false;
            state.RemoveMember(subscriber.Member!, subscriber.Identity, subscriber.JoinedTime);
        }
    }

    private static bool IsEmptyLocked(Room state) => state.IsOpen && state.IsIdle && state.History.Count == 0 && !state.HasMessageIds;

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

    /// <summary>Called once for every room that closed: it leaves the table, gives back what it held and lets its log go.</summary>
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
        IRoomLogSession? session;
        List<PendingDelivery>? pending;
        lock (state.Gate)
        {
            freed = state.History.Clear();
            // Kept in the room: a publish or a leave that found the room open still gets to the log, which is
            // where its event belongs whether or not this hub still follows the room.
            session = state.Session;
            pending = state.PendingDeliveries;
            state.PendingDeliveries = null;
        }

        Interlocked.Add(ref _retainedBytes, -freed);
        foreach (var (_, done, charge) in pending ?? [])
        {
            charge?.Unpin();
            done.TrySetResult();
        }

        if (session is not null)
        {
            Release(session);
        }
    }

    /// <summary>
    /// Lets a room's log go without waiting: it may be called from the log's own callback (<see cref="Close"/>), and a
    /// log that needs to talk to its store finishes in the background.
    /// </summary>
    private static void Release(IRoomLogSession session)
    {
        var released = session.DisposeAsync();
        if (!released.IsCompletedSuccessfully)
        {
            _ = ObserveAsync(released);
        }
    }

    private static async Task ObserveAsync(ValueTask released)
    {
        try
        {
            await released;
        }
        catch (Exception error) when (error is HubUnavailableException or InvalidOperationException)
        {
            // The log is unreachable or gone: what it held for this hub went with it.
        }
    }
}
