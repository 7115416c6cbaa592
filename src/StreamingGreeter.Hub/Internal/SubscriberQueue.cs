using System.Threading.Tasks.Sources;

namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// A subscriber's buffer of live events: bounded in events and in bytes, many writers (a room's publishers, one at a
/// time under its gate), one reader. It is what a bounded <c>System.Threading.Channels</c> channel with <c>SingleReader</c> would be, with
/// the same completion and error behaviour, but guarded by a <see cref="Lock"/>.
/// </summary>
/// <remarks>
/// <para>
/// Why not the channel itself: a server holds one per stream, most of them idle, and a bounded channel is several
/// objects (its reader, writer, waiter and completion), about 700 bytes of a stream's 10 KiB, where this is one object,
/// its queue and its lock. And under fan-out the buffer's lock is contended on nearly every event, since a room's
/// publisher writes each event into every subscriber's buffer while that subscriber's pump reads it on the other core:
/// the channels guard themselves with a monitor, which contention inflates into a sync block, after which every enter
/// and exit is a call into the runtime. A <see cref="Lock"/> stays managed. What remains of that cost is the buffer's
/// memory crossing from one core to the other, which no kind of lock avoids.
/// </para>
/// <para>
/// Lock discipline as in the channels: the lock guards only the queue and the state, and the reader's continuation is
/// released after the lock is left, always on the thread pool, so a publisher never runs a subscriber's pump.
/// </para>
/// </remarks>
internal sealed class SubscriberQueue : IValueTaskSource<bool>
{
    private readonly Lock _gate = new();
    private readonly Queue<RoomEvent> _items = new();
    private readonly int _capacity;
    private readonly long _maxBytes;
    private readonly Action<RoomEvent>? _dropped;

    // Under the lock with the events themselves, so the bound in bytes and the bound in events are checked in one place.
    private long _bytes;

    // The one reader's pending WaitToReadAsync: reused from one wait to the next, so waiting allocates nothing.
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _waitCancellation;
    private bool _waiting;

    private bool _completed;
    private Exception? _error;
    private TaskCompletionSource? _completion;

    /// <param name="capacity">Events it holds at most.</param>
    /// <param name="maxBytes">Bytes of events (<see cref="RoomEvent.Size"/>) it holds at most.</param>
    /// <param name="dropped">
    /// When given, a full queue drops its oldest event to take a new one and reports it here, under the queue's lock;
    /// otherwise a full queue refuses the new event.
    /// </param>
    public SubscriberQueue(int capacity, long maxBytes, Action<RoomEvent>? dropped)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _maxBytes = maxBytes;
        _dropped = dropped;
    }

    /// <summary>Done once it is completed and every event in it was read; faulted with the completion's error if any.</summary>
    public Task Completion
    {
        get
        {
            lock (_gate)
            {
                _completion ??= NewCompletion();
                return _completion.Task;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="item"/>. False once completed, when its bytes do not fit (<paramref name="bytesFull"/>:
    /// events are never dropped for bytes, the caller decides), or when the count is full and the oldest is not dropped.
    /// </summary>
    public bool TryWrite(RoomEvent item, out bool bytesFull)
    {
        bytesFull = false;
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            if (_bytes + item.Size > _maxBytes)
            {
                bytesFull = true;
                return false;
            }

            if (_items.Count == _capacity)
            {
                if (_dropped is null)
                {
                    return false;
                }

                var oldest = _items.Dequeue();
                _bytes -= oldest.Size;
                _dropped(oldest);
            }

            _items.Enqueue(item);
            _bytes += item.Size;
            if (!_waiting)
            {
                return true;
            }

            _waiting = false;
        }

        _waiter.SetResult(true);
        return true;
    }

    /// <summary>
    /// Ends the queue: the reader gets what is in it, then <paramref name="error"/> (thrown by WaitToReadAsync) or the
    /// end. False if it had ended already.
    /// </summary>
    public bool TryComplete(Exception? error = null)
    {
        TaskCompletionSource? completion = null;
        bool wake;
        lock (_gate)
        {
            if (_completed)
            {
                return false;
            }

            _completed = true;
            _error = error;
            if (_items.Count == 0)
            {
                completion = _completion;
            }

            wake = _waiting;
            _waiting = false;
        }

        Complete(completion);
        if (wake)
        {
            if (error is null)
            {
                _waiter.SetResult(false);
            }
            else
            {
                _waiter.SetException(error);
            }
        }

        return true;
    }

    /// <summary>The reader's: takes the oldest event, if any.</summary>
    public bool TryRead(out RoomEvent item)
    {
        TaskCompletionSource? completion;
        lock (_gate)
        {
            if (!_items.TryDequeue(out item!))
            {
                return false;
            }

            _bytes -= item.Size;

            if (!_completed || _items.Count > 0)
            {
                return true;
            }

            completion = _completion;
        }

        Complete(completion);
        return true;
    }

    /// <summary>
    /// The reader's: true once an event can be read, false once the queue has ended and is empty; throws the error it
    /// was completed with. One wait at a time.
    /// </summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<bool>(cancellationToken);
        }

        short version;
        lock (_gate)
        {
            if (_items.Count > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return _error is null ? new ValueTask<bool>(false) : ValueTask.FromException<bool>(_error);
            }

            if (_waiting)
            {
                throw new InvalidOperationException("A subscription's events are read by one reader, one wait at a time.");
            }

            _waiter.Reset();
            version = _waiter.Version;
            _waiting = true;
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Registered after the lock is left: a token cancelled meanwhile runs the callback here, which is fine.
            _waitCancellation = cancellationToken.UnsafeRegister(
                static (state, token) => ((SubscriberQueue)state!).CancelWait(token), this);
        }

        return new ValueTask<bool>(this, version);
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        // The wait is over (by an event, the end or its token): its registration is of no more use.
        _waitCancellation.Dispose();
        _waitCancellation = default;
        return _waiter.GetResult(token);
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);

    private void CancelWait(CancellationToken token)
    {
        lock (_gate)
        {
            if (!_waiting)
            {
                return;
            }

            _waiting = false;
        }

        _waiter.SetException(new OperationCanceledException(token));
    }

    /// <summary>Under the lock: the completion as it stands, or one still to come.</summary>
    private TaskCompletionSource NewCompletion()
    {
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (_completed && _items.Count == 0)
        {
            SetCompletion(completion, _error);
        }

        return completion;
    }

    private void Complete(TaskCompletionSource? completion)
    {
        if (completion is not null)
        {
            SetCompletion(completion, _error);
        }
    }

    private static void SetCompletion(TaskCompletionSource completion, Exception? error)
    {
        if (error is null)
        {
            completion.TrySetResult();
        }
        else if (error is OperationCanceledException cancelled)
        {
            completion.TrySetCanceled(cancelled.CancellationToken);
        }
        else
        {
            completion.TrySetException(error);
        }
    }
}
