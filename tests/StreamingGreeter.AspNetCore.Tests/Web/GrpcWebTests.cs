using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client.Web;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>The calls a browser can make, over gRPC-Web on HTTP/1.1, binary and base64 text alike.</summary>
public sealed class GrpcWebTests
{
    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb, "application/grpc-web")]
    [InlineData(GrpcWebMode.GrpcWebText, "application/grpc-web-text")]
    public async Task SayHello_GrpcWebOverHttp1_Greets(GrpcWebMode mode, string contentType)
    {
        await using var web = await WebApp.StartAsync();

        var reply = await web.GrpcWebClient(mode).SayHelloAsync(new HelloRequest { Name = "Ada" }).ResponseAsync.DefaultTimeout();

        Assert.Equal("Hello, Ada", reply.Message);
        var request = Assert.Single(web.Requests, static request => request.Path == "/helloworld.Greeter/SayHello");
        Assert.Equal("HTTP/1.1", request.Protocol);
        Assert.StartsWith(contentType, request.ContentType, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(GrpcWebMode.GrpcWeb)]
    [InlineData(GrpcWebMode.GrpcWebText)]
    public async Task Subscribe_GrpcWebOverHttp1_ReceivesEventPublishedOverGrpcWeb(GrpcWebMode mode)
    {
        await using var web = await WebApp.StartAsync();
        var client = web.GrpcWebClient(mode);
        var room = Rooms.Unique();

        using var subscription = client.Subscribe(new SubscribeRequest { Room = room });
        // The headers come once the subscription is registered: what is published from now on reaches it.
        var headers = await subscription.ResponseHeadersAsync.DefaultTimeout();
        var reply = await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "over grpc-web", MessageId = "m-1" }).ResponseAsync.DefaultTimeout();
        var received = await subscription.ResponseStream.ReadNextAsync();

        Assert.Equal(headers.GetValue(SubscribeHeaders.Epoch), reply.Epoch);
        Assert.Equal(1, reply.Sequence);
        Assert.Equal(("ann", "over grpc-web", 1L, reply.Epoch, "m-1"), (received.Sender, received.Text, received.Sequence, received.Epoch, received.MessageId));
        Assert.All(web.Requests, static request => Assert.Equal("HTTP/1.1", request.Protocol));
    }

    [Fact]
    public async Task SayHelloStream_GrpcWebText_StreamsEveryGreeting()
    {
        await using var web = await WebApp.StartAsync();

        using var call = web.GrpcWebClient(GrpcWebMode.GrpcWebText).SayHelloStream(new HelloStreamRequest { Name = "Ada", Count = 3 });
        var replies = await call.ResponseStream.ReadToEndAsync();

        Assert.Equal(["Hello, Ada (1 of 3)", "Hello, Ada (2 of 3)", "Hello, Ada (3 of 3)"], replies.Select(static reply => reply.Message));
    }

    [Fact]
    public async Task Publish_GrpcWebBadRoom_InvalidArgumentNamingRoom()
    {
        await using var web = await WebApp.StartAsync();

        var error = await web.GrpcWebClient(GrpcWebMode.GrpcWeb).PublishAsync(new PublishRequest { Room = "no spaces", Text = "x" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("room \"no spaces\" is invalid", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Chat")]
    [InlineData("SayHelloToMany")]
    public async Task ClientStreamingMethod_GrpcWebRequest_UnsupportedMediaType(string method)
    {
        await using var web = await WebApp.StartAsync();

        // A browser cannot stream a request body: these stay HTTP/2 gRPC only, and gRPC-Web is refused at once.
        var refused = await PostGrpcWebAsync(web, method);
        var served = await PostGrpcWebAsync(web, "SayHello");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, refused);
        Assert.Equal(HttpStatusCode.OK, served);
    }

    [Fact]
    public async Task Subscribe_ClassicGrpcBesideGrpcWeb_StillWorksOverHttp2()
    {
        await using var web = await WebApp.StartAsync();
        var grpc = web.GrpcClient();
        var room = Rooms.Unique();

        using var subscription = grpc.Subscribe(new SubscribeRequest { Room = room });
        await subscription.ResponseHeadersAsync.DefaultTimeout();
        await web.GrpcWebClient(GrpcWebMode.GrpcWeb).PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "hi" }).ResponseAsync.DefaultTimeout();
        var received = await subscription.ResponseStream.ReadNextAsync();

        Assert.Equal("hi", received.Text);
        var request = Assert.Single(web.Requests, static request => request.Path == "/helloworld.Greeter/Subscribe");
        Assert.Equal("HTTP/2", request.Protocol);
        Assert.Equal("application/grpc", request.ContentType);
    }

    /// <summary>An empty gRPC-Web request to a Greeter method, as a browser would send it; returns the HTTP status.</summary>
    private static async Task<HttpStatusCode> PostGrpcWebAsync(WebApp web, string method)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/helloworld.Greeter/" + method) { Content = new ByteArrayContent([]) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web");
        using var response = await web.HttpClient().SendAsync(request).DefaultTimeout();
        return response.StatusCode;
    }
}
