namespace StreamingGreeter.FanOut;

/// <summary>
/// What the connections tell the run as they go: every stream subscribed (response headers in), every stream ended,
/// and "some deliveries arrived", which wakes a publisher waiting for its window to open.
/// </summary>
internal sealed class RunProgress(int streams)
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _streams = streams;
    private int _awaitingHeaders = streams;
    private int _open = streams;
    private TaskCompletionSource? _waiter;

    public Task AllSubscribed => _subscribed.Task;

    public Task AllEnded => _ended.Task;

    public int Subscribed => _streams - Volatile.Read(ref _awaitingHeaders);

    public int Ended => _streams - Volatile.Read(ref _open);

    public void StreamSubscribed()
    {
        if (Interlocked.Decrement(ref _awaitingHeaders) == 0)
        {
            _subscribed.TrySetResult();
        }
    }

    public void StreamEnded()
    {
        if (Interlocked.Decrement(ref _open) == 0)
        {
            _ended.TrySetResult();
        }
    }

    /// <summary>Called by a connection after each read it processed: one volatile read when nobody waits.</summary>
    public void Delivered()
    {
        // The deliveries just counted must be visible before the waiter is looked at (a store then a load, which even
        // x64 reorders): otherwise a publisher that registered and then saw the old counts would never be woken.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _waiter) is not null)
        {
            Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
        }
    }

    /// <summary>
    /// A task that completes at the next <see cref="Delivered"/>. The caller registers first and checks its condition
    /// after, so progress between the check and the wait is not missed.
    /// </summary>
    public Task NextDelivery()
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return (Interlocked.CompareExchange(ref _waiter, waiter, null) ?? waiter).Task;
    }
}
