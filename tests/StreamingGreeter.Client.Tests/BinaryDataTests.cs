using System.Text;
using System.Text.Json;
using Google.Protobuf;
using StreamingGreeter.Client.Tests.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Tests;

/// <summary>Events with binary data as the client prints them, and publishing data from the command line.</summary>
public sealed class BinaryDataTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private GreeterServer Server => fixture.Server;

    [Fact]
    public async Task Subscribe_EventWithBinaryData_PrintsContentTypeAndBase64AfterTheText()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "m1");
        await PublishAsync(room, "caption", ByteString.CopyFrom(0x00, 0xFF, 0x80), "image/png");

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "1", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d\d:\d\d:\d\d ann: caption \[image/png\] base64:AP\+A$", Assert.Single(result.Output));
    }

    [Fact]
    public async Task Subscribe_EventWithTextContentType_PrintsTheDataAsEscapedText()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "m1");
        await PublishAsync(room, "", ByteString.CopyFromUtf8("a,b\n1,2"), "text/csv; charset=utf-8");

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "1", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Matches(@"^\d\d:\d\d:\d\d ann: \[text/csv; charset=utf-8\] a,b\\n1,2$", Assert.Single(result.Output));
    }

    [Fact]
    public async Task Subscribe_JsonEventWithData_PrintsBase64DataAndContentType()
    {
        var room = Rooms.Unique();
        await Server.PublishAsync(room, "ann", "m1");
        await PublishAsync(room, "", ByteString.CopyFromUtf8("hello"), "text/plain");
        await Server.PublishAsync(room, "ann", "plain");

        var result = await GreeterCli.RunAsync(["subscribe", "--room", room, "--from", "1", "--max", "2", "--json", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(result.Output.Count == 2, result.ToString());
        var withData = JsonDocument.Parse(result.Output[0]).RootElement;
        var plain = JsonDocument.Parse(result.Output[1]).RootElement;
        // Base64 whatever the content type, so that a script gets the bytes exactly.
        Assert.Equal("aGVsbG8=", withData.GetProperty("data").GetString());
        Assert.Equal("text/plain", withData.GetProperty("contentType").GetString());
        Assert.False(plain.TryGetProperty("data", out _));
        Assert.False(plain.TryGetProperty("contentType", out _));
    }

    [Fact]
    public async Task Publish_DataFileAndContentType_PublishesTheFilesBytes()
    {
        var room = Rooms.Unique();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, [0x00, 0xFF, 0x80, 0x0A]);

            var result = await GreeterCli.RunAsync(["publish", "--room", room, "--name", "ops", "--data-file", file, "--content-type", "application/octet-stream", "--address", Server.Address]);

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Matches(@"^published #1 \(epoch \w+\)$", Assert.Single(result.Output));
            var item = await ReadFirstAsync(room);
            Assert.Equal(("ops", "", "application/octet-stream"), (item.Sender, item.Text, item.ContentType));
            Assert.Equal(new byte[] { 0x00, 0xFF, 0x80, 0x0A }, item.Data.ToByteArray());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Publish_DataBase64WithText_PublishesOneMessageWithBoth()
    {
        var room = Rooms.Unique();

        var result = await GreeterCli.RunAsync(["publish", "--room", room, "--data-base64", "AP+A", "see", "this", "--address", Server.Address]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var item = await ReadFirstAsync(room);
        Assert.Equal(("see this", ""), (item.Text, item.ContentType));
        Assert.Equal(new byte[] { 0x00, 0xFF, 0x80 }, item.Data.ToByteArray());
    }

    [Theory]
    [InlineData("--data-base64", "not base64!", "--data-base64 must be base64")]
    [InlineData("--data-file", "/nonexistent/greeter-data", "--data-file \"/nonexistent/greeter-data\" cannot be read")]
    public async Task Publish_BadDataOption_UsageErrorNamingTheOption(string option, string value, string expected)
    {
        var result = await GreeterCli.RunAsync(["publish", "--room", Rooms.Unique(), option, value, "--address", Server.Address]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, string.Join('\n', result.Error), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_DataFileAndDataBase64Together_UsageError()
    {
        var result = await GreeterCli.RunAsync(["publish", "--room", Rooms.Unique(), "--data-file", "x", "--data-base64", "AA==", "--address", Server.Address]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("one of them", string.Join('\n', result.Error), StringComparison.Ordinal);
    }

    private Task PublishAsync(string room, string text, ByteString data, string contentType) =>
        Server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = text, Data = data, ContentType = contentType }).ResponseAsync.DefaultTimeout();

    private async Task<ChatEvent> ReadFirstAsync(string room)
    {
        using var call = Server.Client.Subscribe(new SubscribeRequest { Room = room, AfterSequence = 0, Epoch = "any", MaxEvents = 1 });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).DefaultTimeout(), "the room has no event");
        return call.ResponseStream.Current;
    }
}
