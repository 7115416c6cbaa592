using System.Runtime.CompilerServices;

namespace StreamingGreeter.Tests;

/// <summary>
/// Polls a condition that raises no event (a counter going back to zero), bounded by a timeout. Where an event
/// exists, wait on the event instead.
/// </summary>
public static class Wait
{
    public static async Task UntilAsync(Func<bool> condition, Func<string> describe, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? TimeoutExtensions.Timeout;
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.###} s at {Path.GetFileName(file)}:{line} waiting for: {describe()}");
            }

            // A polling interval, not a synchronisation: the loop exits as soon as the condition holds.
            await Task.Delay(10);
        }
    }
}
