using System.Collections.Concurrent;

namespace StreamingGreeter.Client.Tests.Units;

/// <summary>
/// A clock on which every wait ends at once: each timer is recorded, moves the clock on by its due time, and fires on
/// the thread pool. A test sees exactly which waits were asked for, and a give-up deadline passes without waiting it.
/// </summary>
internal sealed class InstantTimeProvider : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _waits = new();
    private long _ticks;

    /// <summary>The due times of the timers created, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits => [.. _waits];

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(GetTimestamp());

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        _waits.Enqueue(dueTime);
        Interlocked.Add(ref _ticks, dueTime.Ticks);
        // Not inline: the caller has not finished setting up what the callback completes.
        ThreadPool.UnsafeQueueUserWorkItem(_ => callback(state), null);
        return new FiredTimer();
    }

    private sealed class FiredTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
