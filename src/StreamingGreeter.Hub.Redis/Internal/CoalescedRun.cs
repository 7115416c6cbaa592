namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// Runs a piece of background work on request, one run at a time: requests made while it runs are served by one more
/// run right after it, however many they were. The liveness check and the presence writes both need exactly this: a
/// burst of requests costs one or two runs, never two at once.
/// </summary>
internal sealed class CoalescedRun(Func<Task> work)
{
    private int _running;
    private int _again;
    private Task _current = Task.CompletedTask;

    /// <summary>The run under way, or the last one: awaited by a disposal, so that no run outlasts it.</summary>
    public Task Current => Volatile.Read(ref _current);

    /// <summary>Runs the work now on the thread pool, or right after the run under way.</summary>
    public void Request()
    {
        Volatile.Write(ref _again, 1);
        if (Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            // Recorded before it starts: only a started run can release _running, so no later run's task is recorded
            // before this one's and then overwritten by it.
            var run = new Task<Task>(RunAsync);
            Volatile.Write(ref _current, run.Unwrap());
            run.Start(TaskScheduler.Default);
        }
    }

    private async Task RunAsync()
    {
        do
        {
            try
            {
                while (Interlocked.Exchange(ref _again, 0) == 1)
                {
                    await work();
                }
            }
            finally
            {
                // Whatever a run met, the next request starts one.
                Volatile.Write(ref _running, 0);
            }
        }
        // A request that came after the last look and before the release finds no run going but its own: rerun.
        while (Volatile.Read(ref _again) == 1 && Interlocked.CompareExchange(ref _running, 1, 0) == 0);
    }
}
