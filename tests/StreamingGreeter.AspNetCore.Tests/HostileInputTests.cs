using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Malformed frames, unknown methods and protocol abuse get a proper error, and the server keeps serving everyone else.</summary>
public sealed class HostileInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    // Each test has a raw client of its own: what breaks one connection must leave the shared server serving the rest.
    private readonly TestServer _server = fixture.Server;

    private const string SayHello = "/helloworld.Greeter/SayHello";

    [Fact]
    public async Task SayHello_PayloadNotProtobuf_Unknown()
    {
        using var raw = new RawGrpcClient(_server.Address);
        // grpc-dotnet parses the request before the service sees it, and logs what it cannot parse as the handler's
        // exception, at Error: garbage from a client, outside the library's reach (the client did not go away).
        _server.Logs.AllowErrors(static e => LogCapture.EventName(e) == "ErrorExecutingServiceMethod" && e.Exception is InvalidProtocolBufferException);

        var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame([0xFF, 0xFF, 0xFF]));

        // grpc-dotnet reports a request it cannot parse as an exception of the handler: UNKNOWN, no detail leaked.
        AssertGrpcStatus(response, StatusCode.Unknown, "Exception was thrown by handler.");
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task SayHello_LengthPrefixBeyondBody_InternalIncompleteMessage()
    {
        using var raw = new RawGrpcClient(_server.Address);

        // The prefix promises 100 bytes; the stream ends after 3.
        var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame([0x0A, 0x01, 0x41], length: 100));

        AssertGrpcStatus(response, StatusCode.Internal, "Incomplete message.");
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task SayHello_SecondMessageInUnaryCall_Internal()
    {
        using var raw = new RawGrpcClient(_server.Address);

        var response = await raw.PostAsync(SayHello, [.. RawGrpcClient.Frame(HelloAnn()), .. RawGrpcClient.Frame(HelloAnn())]);

        AssertGrpcStatus(response, StatusCode.Internal, "Additional data after the message received.");
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task SayHello_CompressedFlagWithoutEncoding_InternalNamingTheEncoding()
    {
        using var raw = new RawGrpcClient(_server.Address);

        var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame(HelloAnn(), compressed: true));

        AssertGrpcStatus(response, StatusCode.Internal, "Request did not include grpc-encoding value with compressed message.");
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task Call_UnknownMethod_Unimplemented()
    {
        using var raw = new RawGrpcClient(_server.Address);

        var response = await raw.PostAsync("/helloworld.Greeter/Nope", RawGrpcClient.Frame(HelloAnn()));

        AssertGrpcStatus(response, StatusCode.Unimplemented, "Method is unimplemented.");
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task Connection_Http11OnHttp2Port_BadRequestAndClosed()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(_server.Address.Host, _server.Address.Port).DefaultTimeout();
        var stream = tcp.GetStream();
        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()).DefaultTimeout();

        // Reading to the end proves the server closes the connection rather than leaving it open.
        using var received = new MemoryStream();
        await stream.CopyToAsync(received).DefaultTimeout();
        var answer = Encoding.ASCII.GetString(received.ToArray());

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer, StringComparison.Ordinal);
        Assert.Contains("\r\nConnection: close\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nAn HTTP/1.x request was sent to an HTTP/2 only endpoint.", answer, StringComparison.Ordinal);
        await AssertStillServingAsync(_server);
    }

    [Fact]
    public async Task SayHello_HeaderOf64KiB_ConnectionClosedWithCompressionError()
    {
        using var raw = new RawGrpcClient(_server.Address, holdReadsUntilWritten: 32 * 1024);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() =>
            raw.PostAsync(SayHello, RawGrpcClient.Frame(HelloAnn()), [new("x-big", new string('a', 64 * 1024))]));

        // Kestrel's HPACK decoder refuses a field beyond its limit, and that is an error of the whole connection.
        var protocol = Assert.IsType<HttpProtocolException>(error.InnerException);
        Assert.Equal(0x9, protocol.ErrorCode);
        Assert.Equal(HttpRequestError.HttpProtocolError, error.HttpRequestError);
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task SayHello_HeadersOver32KiBInSmallFields_RequestHeaderFieldsTooLarge()
    {
        using var raw = new RawGrpcClient(_server.Address, holdReadsUntilWritten: 32 * 1024);
        // Each field is within Kestrel's per-field limit; together they exceed MaxRequestHeadersTotalSize (32 KiB).
        KeyValuePair<string, string>[] headers =
        [
            new("x-big-1", new string('a', 12 * 1024)),
            new("x-big-2", new string('b', 12 * 1024)),
            new("x-big-3", new string('c', 12 * 1024)),
        ];

        var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame(HelloAnn()), headers);

        // Refused by Kestrel before gRPC sees it: a plain HTTP 431 on the stream, with no grpc-status.
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.HttpStatus);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Null(response.GrpcStatus);
        await AssertStillServingAsync(_server, raw);
    }

    [Fact]
    public async Task SayHello_MessageOver128KiB_ResourceExhausted()
    {
        using var raw = new RawGrpcClient(_server.Address);
        var big = new HelloRequest { Name = new string('a', 128 * 1024) }.ToByteArray();

        var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame(big));

        AssertGrpcStatus(response, StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size.");
        await AssertStillServingAsync(_server, raw);
    }

    private static byte[] HelloAnn() => new HelloRequest { Name = "Ann" }.ToByteArray();

    private static void AssertGrpcStatus(RawGrpcResponse response, StatusCode status, string? message)
    {
        // gRPC errors travel as HTTP 200 over HTTP/2, with the status in grpc-status.
        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal((int)status, response.GrpcStatus);
        Assert.Equal(message, response.GrpcMessage);
    }

    /// <summary>Everybody else is still served, and so is a well-formed request from the same raw client.</summary>
    private static async Task AssertStillServingAsync(TestServer server, RawGrpcClient? raw = null)
    {
        var reply = await server.Client.SayHelloAsync(new HelloRequest { Name = "Ann" }).ResponseAsync.DefaultTimeout();
        Assert.Equal("Hello, Ann", reply.Message);
        if (raw is not null)
        {
            var response = await raw.PostAsync(SayHello, RawGrpcClient.Frame(HelloAnn()));
            AssertGrpcStatus(response, StatusCode.OK, message: null);
            Assert.Equal("Hello, Ann", HelloReply.Parser.ParseFrom(response.Body.AsSpan(5)).Message);
        }
    }
}
