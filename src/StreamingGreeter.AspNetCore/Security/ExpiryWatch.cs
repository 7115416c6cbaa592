namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// Cancels a source at an instant further off than one timer can wait: a timer of the same clock that re-arms itself
/// step by step, each step no longer than <c>step</c>, and cancels once the instant has passed.
/// </summary>
internal sealed class ExpiryWatch : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly DateTimeOffset _end;
    private readonly TimeSpan _step;
    private readonly TimeProvider _time;
    private readonly ITimer _timer;

    public ExpiryWatch(CancellationTokenSource source, DateTimeOffset end, TimeSpan step, TimeProvider time)
    {
        _source = source;
        _end = end;
        _step = step;
        _time = time;
        // Created idle, armed by the first step once _timer is set. Without the call's execution context, which the
        // timer would otherwise keep alive for weeks (as CancellationTokenSource's own timer does).
        if (ExecutionContext.IsFlowSuppressed())
        {
            _timer = CreateIdleTimer();
        }
        else
        {
            using (ExecutionContext.SuppressFlow())
            {
                _timer = CreateIdleTimer();
            }
        }

        Step();
    }

    public void Dispose() => _timer.Dispose();

    private ITimer CreateIdleTimer() =>
        _time.CreateTimer(static state => ((ExpiryWatch)state!).Step(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    private void Step()
    {
        try
        {
            // Measured afresh each step, so the steps cannot add up to more than the clock says is left.
            var left = _end - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _timer.Change(left < _step ? left : _step, Timeout.InfiniteTimeSpan);
                return;
            }

            _source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The call ended (and disposed the timer and the source) while this step ran: nothing is left to end.
        }
    }
}
