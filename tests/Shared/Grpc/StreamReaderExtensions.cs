using System.Runtime.CompilerServices;
using Grpc.Core;

namespace StreamingGreeter.Tests;

/// <summary>Reading gRPC streams in tests, each read bounded by a timeout.</summary>
public static class StreamReaderExtensions
{
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
}
