using System.Runtime.CompilerServices;
using Grpc.Core;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>Awaits that cannot hang a test run: each gives up after a timeout and says where it was waiting.</summary>
public static class TaskExtensions
{
    public static readonly TimeSpan DefaultTimeoutSpan = TimeSpan.FromSeconds(10);

    public static async Task DefaultTimeout(this Task task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var limit = timeout ?? DefaultTimeoutSpan;
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
        var limit = timeout ?? DefaultTimeoutSpan;
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

    /// <summary>The next message of a stream; fails if the stream ends or nothing arrives in time.</summary>
    public static async Task<T> ReadNextAsync<T>(this IAsyncStreamReader<T> reader, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        where T : class
    {
        if (!await reader.MoveNext().DefaultTimeout(timeout, file, line))
        {
            throw new InvalidOperationException($"The stream ended where a message was expected, at {file}:{line}");
        }

        return reader.Current;
    }

    /// <summary>Every remaining message of a stream, until it ends with OK; an error status throws.</summary>
    public static async Task<List<T>> ReadToEndAsync<T>(this IAsyncStreamReader<T> reader, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        where T : class
    {
        var items = new List<T>();
        while (await reader.MoveNext().DefaultTimeout(timeout, file, line))
        {
            items.Add(reader.Current);
        }

        return items;
    }

    /// <summary>The status a stream ends with: reads (and discards) messages until it fails, and fails if it ends OK.</summary>
    public static async Task<RpcException> ReadUntilErrorAsync<T>(this IAsyncStreamReader<T> reader, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
        where T : class
    {
        try
        {
            while (await reader.MoveNext().DefaultTimeout(timeout, file, line))
            {
            }
        }
        catch (RpcException error)
        {
            return error;
        }

        throw new InvalidOperationException($"The stream ended OK where an error status was expected, at {file}:{line}");
    }

    /// <summary>The RpcException a call fails with; fails the test if it succeeds or takes too long.</summary>
    public static async Task<RpcException> ThrowsRpcAsync(this Task task, TimeSpan? timeout = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        try
        {
            await task.DefaultTimeout(timeout, file, line);
        }
        catch (RpcException error)
        {
            return error;
        }

        throw new InvalidOperationException($"The call succeeded where an RpcException was expected, at {file}:{line}");
    }

    private static string Where(TimeSpan limit, string file, int line) =>
        $"Timed out after {limit.TotalSeconds:0.###} s waiting at {Path.GetFileName(file)}:{line}";
}
