using System.Net;
using System.Net.Sockets;
using StreamingGreeter.Client.Tests.Infrastructure;

namespace StreamingGreeter.Client.Tests;

/// <summary>Every class of error: one line on standard error naming it, its own exit code, no stack trace.</summary>
public sealed class ErrorTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int Other = 1;
    private const int Usage = 2;
    private const int Unavailable = 3;
    private const int InvalidArgument = 4;
    private const int TimedOut = 5;

    [Theory]
    [InlineData("hello", "Ann")]
    [InlineData("subscribe", "--room", "news")]
    [InlineData("chat", "--room", "news", "--name", "ann")]
    public async Task NoServer_ExitsUnavailableNamingTheAddress(params string[] arguments)
    {
        var address = $"http://127.0.0.1:{UnusedPort()}";

        var result = await GreeterCli.RunAsync([.. arguments, "--address", address]);

        Assert.True(result.ExitCode == Unavailable, result.ToString());
        AssertOneErrorLine(result, $"error: no server at {address} — is it running?");
    }

    [Fact]
    public async Task InvalidRoom_ExitsInvalidArgumentWithTheServersReason()
    {
        var result = await GreeterCli.RunAsync(["publish", "--room", "a b", "hi", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == InvalidArgument, result.ToString());
        AssertOneErrorLine(result, "error: room \"a b\" is invalid: it must match ^[A-Za-z0-9._:-]{1,64}$");
    }

    [Fact]
    public async Task InvalidRoom_WithEscapeSequence_ErrorLineShowsItEscaped()
    {
        // The server quotes the room back; printed raw, its newline and escape sequence would forge and clear lines.
        var result = await GreeterCli.RunAsync(["publish", "--room", "a\u001b[2J\u009b", "hi", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == InvalidArgument, result.ToString());
        AssertOneErrorLine(result, @"error: room ""a\x1b[2J\u009b"" is invalid: it must match ^[A-Za-z0-9._:-]{1,64}$");
    }

    [Fact]
    public async Task InvalidCount_ExitsInvalidArgument()
    {
        var result = await GreeterCli.RunAsync(["stream", "Ann", "--count", "0", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == InvalidArgument, result.ToString());
        AssertOneErrorLine(result, "error: count must be between 1 and 100000 (got 0)");
    }

    [Theory]
    [InlineData("unknown option", "hello", "Ann", "--bogus")]
    [InlineData("missing argument", "hello")]
    [InlineData("missing option", "stream", "Ann")]
    [InlineData("not a number", "stream", "Ann", "--count", "many")]
    [InlineData("no command")]
    [InlineData("unknown command", "wave")]
    [InlineData("bad address", "hello", "Ann", "--address", "localhost:50051")]
    public async Task BadCommandLine_ExitsUsage(string why, params string[] arguments)
    {
        var result = await GreeterCli.RunAsync(arguments);

        Assert.True(result.ExitCode == Usage, why + "\n" + result);
        Assert.Empty(result.Output);
        Assert.StartsWith("error: ", result.Error[0], StringComparison.Ordinal);
        Assert.InRange(result.Error.Count, 1, 2);
    }

    [Fact]
    public async Task UnknownOption_NamesIt()
    {
        var result = await GreeterCli.RunAsync(["stream", "Ann", "--bogus"]);

        Assert.True(result.ExitCode == Usage, result.ToString());
        Assert.Contains("--bogus", result.Error[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task MessageOverTheServersLimit_ExitsOther()
    {
        // 140,000 characters: over the server's 128 KiB message limit, so RESOURCE_EXHAUSTED.
        var result = await GreeterCli.RunAsync(["publish", "--room", Rooms.Unique(), "--address", fixture.Server.Address], new string('x', 140_000) + "\n");

        Assert.True(result.ExitCode == Other, result.ToString());
        var line = Assert.Single(result.Error);
        Assert.StartsWith("error: the server answered ResourceExhausted: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SlowerThanTimeout_ExitsTimedOut()
    {
        var result = await GreeterCli.RunAsync(["stream", "Ann", "--count", "2", "--interval", "60000", "--timeout", "1", "--address", fixture.Server.Address]);

        Assert.True(result.ExitCode == TimedOut, result.ToString());
        AssertOneErrorLine(result, $"error: no answer from {fixture.Server.Address} within the time allowed (--timeout)");
    }

    private static void AssertOneErrorLine(GreeterCli.Result result, string expected)
    {
        Assert.Equal([expected], result.Error);
    }

    private static int UnusedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
