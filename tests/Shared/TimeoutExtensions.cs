using System.Runtime.CompilerServices;

namespace StreamingGreeter.Tests;

/// <summary>Awaits that cannot hang a test run: each gives up after a timeout and says where it was waiting.</summary>
public static class TimeoutExtensions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task DefaultTimeout(this Task task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? Timeout;
        try
        {
            await task.WaitAsync(limit);
        }
        catch (TimeoutException error) when (!task.IsCompleted)
        {
            throw new TimeoutException(Where(limit, file, line), error);
        }
    }

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? Timeout;
        try
        {
            return await task.WaitAsync(limit);
        }
        catch (TimeoutException error) when (!task.IsCompleted)
        {
            throw new TimeoutException(Where(limit, file, line), error);
        }
    }

    public static Task DefaultTimeout(this ValueTask task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(timeout, file, line);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(timeout, file, line);

    private static string Where(TimeSpan limit, string file, int line) =>
        $"Timed out after {limit.TotalSeconds:0.###} s waiting at {Path.GetFileName(file)}:{line}";
}
