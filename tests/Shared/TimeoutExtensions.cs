using System.Runtime.CompilerServices;

namespace StreamingGreeter.Tests;

/// <summary>Every await in a test carries a timeout, and a timeout says where the test hung.</summary>
public static class TimeoutExtensions
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    public static async Task DefaultTimeout(this Task task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            await task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {Timeout} waiting at {Path.GetFileName(file)}:{line}");
        }
    }

    public static async Task<T> DefaultTimeout<T>(this Task<T> task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            return await task.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Timed out after {Timeout} waiting at {Path.GetFileName(file)}:{line}");
        }
    }

    public static Task DefaultTimeout(this ValueTask task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(file, line);

    public static Task<T> DefaultTimeout<T>(this ValueTask<T> task, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        task.AsTask().DefaultTimeout(file, line);
}
