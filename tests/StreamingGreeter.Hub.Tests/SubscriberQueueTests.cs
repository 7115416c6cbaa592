using StreamingGreeter.Hub.Internal;

namespace StreamingGreeter.Hub.Tests;

/// <summary>
/// A subscriber's buffer behaves as the bounded single-reader channel it replaces: order, the bound under either
/// policy and in bytes, completion after the last event, the error thrown to the reader, a cancelled wait, and a woken reader that
/// never runs on the writer's thread.
/// </summary>
public sealed class SubscriberQueueTests
{
    [Fact]
    public void TryWrite_UpToCapacity_ReadInOrderThenFullRefused()
    {
        var queue = new SubscriberQueue(capacity: 3, maxBytes: long.MaxValue, dropped: null);

        Assert.All(Events(1, 3), item => Assert.True(queue.TryWrite(item, out _)));
        Assert.False(queue.TryWrite(Event(4), out _));

        Assert.Equal([1L, 2, 3], Drain(queue));
        Assert.True(queue.TryWrite(Event(5), out _));
        Assert.Equal([5L], Drain(queue));
    }

    [Fact]
    public void TryWrite_BytesFull_RefusedAsBytesUntilTheReaderTakesSome()
    {
        var size = Event(1).Size;
        var dropped = new List<long>();
        // Room for two events' bytes and many events, dropping the oldest for count: bytes are not dropped for.
        var queue = new SubscriberQueue(capacity: 100, maxBytes: 2 * size, item => dropped.Add(item.Sequence));

        Assert.True(queue.TryWrite(Event(1), out _));
        Assert.True(queue.TryWrite(Event(2), out _));
        Assert.False(queue.TryWrite(Event(3), out var bytesFull));
        Assert.True(bytesFull);
        Assert.Empty(dropped);

        Assert.True(queue.TryRead(out var first));
        Assert.Equal(1, first.Sequence);
        Assert.True(queue.TryWrite(Event(4), out bytesFull));
        Assert.False(bytesFull);
        Assert.Equal([2L, 4], Drain(queue));
    }

    [Fact]
    public void TryWrite_FullWithDropOldest_DropsAndReportsTheOldest()
    {
        var dropped = new List<long>();
        // Bytes for one more than the two it holds: each dropped event must give its bytes back for the next to fit.
        var queue = new SubscriberQueue(capacity: 2, maxBytes: 3 * Event(1).Size, item => dropped.Add(item.Sequence));

        Assert.All(Events(1, 5), item => Assert.True(queue.TryWrite(item, out _)));

        Assert.Equal([1L, 2, 3], dropped);
        Assert.Equal([4L, 5], Drain(queue));
    }

    [Fact]
    public async Task TryComplete_WithEventsLeft_ReaderGetsThemThenTheEnd()
    {
        var queue = new SubscriberQueue(capacity: 8, maxBytes: long.MaxValue, dropped: null);
        Assert.True(queue.TryWrite(Event(1), out _));
        Assert.True(queue.TryWrite(Event(2), out _));

        Assert.True(queue.TryComplete());
        Assert.False(queue.TryComplete());
        Assert.False(queue.TryWrite(Event(3), out _));
        // Not complete while an event is left to read.
        Assert.False(queue.Completion.IsCompleted);

        Assert.True(await queue.WaitToReadAsync(CancellationToken.None).AsTask().DefaultTimeout());
        Assert.Equal([1L, 2], Drain(queue));
        await queue.Completion.DefaultTimeout();
        Assert.False(await queue.WaitToReadAsync(CancellationToken.None).AsTask().DefaultTimeout());
    }

    [Fact]
    public async Task TryComplete_WithError_ThrownToTheWaitingReaderAndFaultsCompletion()
    {
        var queue = new SubscriberQueue(capacity: 8, maxBytes: long.MaxValue, dropped: null);
        var completion = queue.Completion;
        var wait = queue.WaitToReadAsync(CancellationToken.None).AsTask();
        Assert.False(wait.IsCompleted);

        var error = new SubscriberOverflowException("room", 8);
        queue.TryComplete(error);

        Assert.Same(error, await Assert.ThrowsAsync<SubscriberOverflowException>(() => wait).DefaultTimeout());
        Assert.Same(error, await Assert.ThrowsAsync<SubscriberOverflowException>(() => completion).DefaultTimeout());
        // Every later wait throws it too.
        await Assert.ThrowsAsync<SubscriberOverflowException>(() => queue.WaitToReadAsync(CancellationToken.None).AsTask()).DefaultTimeout();
    }

    [Fact]
    public async Task WaitToReadAsync_Cancelled_ThrowsAndTheNextWaitStillGetsEvents()
    {
        var queue = new SubscriberQueue(capacity: 8, maxBytes: long.MaxValue, dropped: null);
        using var cancel = new CancellationTokenSource();
        var wait = queue.WaitToReadAsync(cancel.Token).AsTask();

        await cancel.CancelAsync();

        var thrown = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait).DefaultTimeout();
        Assert.Equal(cancel.Token, thrown.CancellationToken);
        var next = queue.WaitToReadAsync(CancellationToken.None).AsTask();
        Assert.True(queue.TryWrite(Event(1), out _));
        Assert.True(await next.DefaultTimeout());
        Assert.Equal([1L], Drain(queue));
    }

    [Fact]
    public async Task TryWrite_ReaderWaiting_ReaderResumesOffTheWritersThread()
    {
        var queue = new SubscriberQueue(capacity: 8, maxBytes: long.MaxValue, dropped: null);
        var wait = queue.WaitToReadAsync(CancellationToken.None);
        Assert.False(wait.IsCompleted);
        var resumed = ResumeAsync(wait);

        // A thread of its own that stays busy until the reader has resumed: the continuation cannot be running on it.
        var writerThread = -1;
        var writer = new Thread(() =>
        {
            writerThread = Environment.CurrentManagedThreadId;
            queue.TryWrite(Event(1), out _);
            resumed.Wait(TimeSpan.FromSeconds(30));
        });
        writer.Start();

        var readerThread = await resumed.DefaultTimeout();
        writer.Join();
        Assert.NotEqual(writerThread, readerThread);
        Assert.Equal([1L], Drain(queue));

        static async Task<int> ResumeAsync(ValueTask<bool> wait)
        {
            Assert.True(await wait);
            return Environment.CurrentManagedThreadId;
        }
    }

    [Fact]
    public async Task WaitToReadAsync_SecondWaitWhileOneIsPending_RefusedAndTheFirstStillEnds()
    {
        var queue = new SubscriberQueue(capacity: 8, maxBytes: long.MaxValue, dropped: null);
        var pending = queue.WaitToReadAsync(CancellationToken.None).AsTask();

        // Refused at the call, not through the task it would return.
        Assert.Throws<InvalidOperationException>(() => StartWait(queue));
        queue.TryComplete();
        Assert.False(await pending.DefaultTimeout());
    }

    [Fact]
    public async Task WriteAndRead_ManyEventsFromSeveralWritersOneAtATime_EveryEventOnceInOrder()
    {
        const int Count = 20_000;
        var queue = new SubscriberQueue(capacity: Count, maxBytes: long.MaxValue, dropped: null);
        var gate = new Lock();
        var next = 0L;
        // Writers take turns under one lock, as a room's publishers do under its gate.
        var writers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            while (true)
            {
                lock (gate)
                {
                    if (next == Count)
                    {
                        return;
                    }

                    Assert.True(queue.TryWrite(Event(++next), out bool _));
                }
            }
        })).ToArray();

        var read = new List<long>(Count);
        var reading = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync(CancellationToken.None))
            {
                while (queue.TryRead(out var item))
                {
                    read.Add(item.Sequence);
                }
            }
        });
        await Task.WhenAll(writers).DefaultTimeout();
        queue.TryComplete();
        await reading.DefaultTimeout();

        Assert.Equal(Enumerable.Range(1, Count).Select(static i => (long)i), read);
        await queue.Completion.DefaultTimeout();
    }

    private static void StartWait(SubscriberQueue queue) => queue.WaitToReadAsync(CancellationToken.None).AsTask();

    private static RoomEvent Event(long sequence) =>
        new(RoomEventKind.Message, "room", "Ada", $"m{sequence}", sequence, DateTimeOffset.UnixEpoch, "epoch");

    private static IEnumerable<RoomEvent> Events(long first, long last)
    {
        for (var i = first; i <= last; i++)
        {
            yield return Event(i);
        }
    }

    private static List<long> Drain(SubscriberQueue queue)
    {
        var read = new List<long>();
        while (queue.TryRead(out var item))
        {
            read.Add(item.Sequence);
        }

        return read;
    }
}
