using System.Diagnostics;
using System.Text;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>SayHello, SayHelloStream and SayHelloToMany against the real host.</summary>
public sealed class GreetingTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private readonly TestServer _server = fixture.Server;

    [Fact]
    public async Task SayHello_Name_RepliesHelloName()
    {
        var reply = await _server.Client.SayHelloAsync(new HelloRequest { Name = "World" }).ResponseAsync.DefaultTimeout();

        Assert.Equal("Hello, World", reply.Message);
    }

    [Fact]
    public async Task SayHelloStream_Count_SendsExactlyCountRepliesNamingCallerThenOk()
    {
        using var call = _server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 5 });

        var replies = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal(5, replies.Count);
        Assert.All(replies, reply => Assert.StartsWith("Hello, Ann", reply.Message, StringComparison.Ordinal));
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task SayHelloStream_Interval_SpacesRepliesByInterval()
    {
        var stopwatch = Stopwatch.StartNew();
        using var call = _server.Client.SayHelloStream(new HelloStreamRequest { Name = "Ann", Count = 3, IntervalMs = 200 });

        var replies = await call.ResponseStream.ReadToEndAsync();
        var lastAt = stopwatch.Elapsed;

        Assert.Equal(3, replies.Count);
        Assert.All(replies, reply => Assert.StartsWith("Hello, Ann", reply.Message, StringComparison.Ordinal));
        // The server waits two whole intervals between the first reply and the last. Measured from before the call,
        // since a busy client may take the first reply late, which would shorten the gap it sees.
        Assert.True(lastAt >= TimeSpan.FromMilliseconds(395), $"3 replies 200 ms apart arrived within {lastAt.TotalMilliseconds:0} ms");
        Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
    }

    [Fact]
    public async Task SayHelloStream_DeadlineExceeded_EndsCallAndServerLoopAtOnce()
    {
        var callId = Guid.NewGuid().ToString("N");
        // The second reply is 30 s away: a loop that noticed the deadline only at its next write would still be waiting.
        using var call = _server.Client.SayHelloStream(
            new HelloStreamRequest { Name = "Ann", Count = 3, IntervalMs = 30_000 },
            CallTracker.Headers(callId),
            deadline: DateTime.UtcNow.AddMilliseconds(500));

        var first = await call.ResponseStream.ReadNextAsync();
        var error = await call.ResponseStream.ReadUntilErrorAsync();

        Assert.StartsWith("Hello, Ann", first.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        var ended = await _server.Calls.HandlerEnded(callId).DefaultTimeout();
        Assert.IsAssignableFrom<OperationCanceledException>(ended);
    }

    [Fact]
    public async Task SayHelloStream_ClientCancels_EndsCallAndServerLoopAtOnce()
    {
        var callId = Guid.NewGuid().ToString("N");
        using var cancellation = new CancellationTokenSource();
        using var call = _server.Client.SayHelloStream(
            new HelloStreamRequest { Name = "Ann", Count = 3, IntervalMs = 30_000 },
            CallTracker.Headers(callId),
            cancellationToken: cancellation.Token);

        await call.ResponseStream.ReadNextAsync();
        await cancellation.CancelAsync();

        var error = await call.ResponseStream.ReadUntilErrorAsync();
        Assert.Equal(StatusCode.Cancelled, error.StatusCode);
        var ended = Assert.IsType<RpcException>(await _server.Calls.HandlerEnded(callId).DefaultTimeout());
        Assert.Equal(StatusCode.Cancelled, ended.StatusCode);
        Assert.IsAssignableFrom<OperationCanceledException>(ended.Status.DebugException);
    }

    [Theory]
    [InlineData(new[] { "Ann" }, "Hello, Ann")]
    [InlineData(new[] { "Ann", "Bob" }, "Hello, Ann and Bob")]
    [InlineData(new[] { "Ann", "Bob", "Cy" }, "Hello, Ann, Bob and Cy")]
    public async Task SayHelloToMany_FewNames_GreetsThemAllOnce(string[] names, string expected)
    {
        using var call = _server.Client.SayHelloToMany();
        foreach (var name in names)
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = name }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var reply = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(expected, reply.Message);
        Assert.Equal(names.Length, reply.Count);
    }

    [Fact]
    public async Task SayHelloToMany_100000Names_RepliesWithin1KBAndCountsAll()
    {
        using var call = _server.Client.SayHelloToMany();
        foreach (var name in new[] { "Ann", "Bob", "Cy" })
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = name }).DefaultTimeout();
        }

        for (var i = 4; i <= 100_000; i++)
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = "Name" + i }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var reply = await call.ResponseAsync.DefaultTimeout(TimeSpan.FromSeconds(30));

        Assert.Equal(100_000, reply.Count);
        Assert.True(Encoding.UTF8.GetByteCount(reply.Message) <= 1024, $"reply is {Encoding.UTF8.GetByteCount(reply.Message)} bytes");
        Assert.Equal("Hello, Ann, Bob, Cy and 99,997 others", reply.Message);
    }

    [Fact]
    public async Task SayHelloToMany_LongNamesOverflow1KB_NamesFewAndCountsOthers()
    {
        var names = Enumerable.Range(1, 20).Select(static i => new string((char)('a' + i), 200)).ToArray();
        using var call = _server.Client.SayHelloToMany();
        foreach (var name in names)
        {
            await call.RequestStream.WriteAsync(new HelloRequest { Name = name }).DefaultTimeout();
        }

        await call.RequestStream.CompleteAsync().DefaultTimeout();
        var reply = await call.ResponseAsync.DefaultTimeout();

        Assert.Equal(20, reply.Count);
        Assert.True(Encoding.UTF8.GetByteCount(reply.Message) <= 1024, $"reply is {Encoding.UTF8.GetByteCount(reply.Message)} bytes");
        Assert.StartsWith("Hello, " + names[0], reply.Message, StringComparison.Ordinal);
        Assert.EndsWith(" others", reply.Message, StringComparison.Ordinal);
    }
}
