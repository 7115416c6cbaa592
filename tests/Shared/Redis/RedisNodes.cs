namespace StreamingGreeter.Tests;

/// <summary>
/// Two server processes with the Redis backplane on one redis-server: one service on two nodes, numbering each room
/// once. They log subscriptions and joins (Debug), so a test can tell which node holds a client's stream.
/// </summary>
public sealed class RedisNodes : IAsyncDisposable
{
    private RedisNodes(GreeterServer first, GreeterServer second) => (First, Second) = (first, second);

    public GreeterServer First { get; }

    public GreeterServer Second { get; }

    /// <summary>Both addresses, as <c>greeter</c> takes them.</summary>
    public IEnumerable<string> AddressArguments => ["--address", First.Address, "--address", Second.Address];

    public static async Task<RedisNodes> StartAsync(RedisServer redis, params string[] settings)
    {
        var starting = new[] { StartNodeAsync(redis, settings), StartNodeAsync(redis, settings) };
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var start in starting.Where(task => task.IsCompletedSuccessfully))
            {
                await start.Result.DisposeAsync();
            }

            throw;
        }

        return new RedisNodes(starting[0].Result, starting[1].Result);
    }

    /// <summary>One such node, with more <paramref name="settings"/> of the test's.</summary>
    public static Task<GreeterServer> StartNodeAsync(RedisServer redis, params string[] settings) =>
        GreeterServer.StartAsync(
            0,
            [
                "--Hub:Backplane", "Redis",
                "--Hub:Redis:Configuration", redis.Configuration,
                "--Serilog:MinimumLevel:Override:StreamingGreeter", "Debug",
                .. settings,
            ]);

    /// <summary>Waits until one of the nodes logs <paramref name="text"/>; returns that node first, the other second.</summary>
    public async Task<(GreeterServer Holder, GreeterServer Other)> WhichLoggedAsync(string text)
    {
        var onFirst = First.Log.WaitForTextAsync(text);
        var onSecond = Second.Log.WaitForTextAsync(text);
        var found = await Task.WhenAny(onFirst, onSecond).DefaultTimeout();
        // The other wait ends when its node exits, or times out; nothing waits for it.
        _ = (found == onFirst ? onSecond : onFirst).ContinueWith(task => task.Exception, TaskScheduler.Default);
        await found;
        return found == onFirst ? (First, Second) : (Second, First);
    }

    public async ValueTask DisposeAsync()
    {
        await First.DisposeAsync();
        await Second.DisposeAsync();
    }
}
