using System.Buffers.Binary;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>
/// The one writer below grpc-dotnet's: frames are made as gRPC makes them, reach the body whole and in order across
/// the body's buffers, and a message over the service's MaxSendMessageSize is refused as grpc-dotnet refuses it, also
/// on a real stream.
/// </summary>
public sealed class FramedResponseTests
{
    [Fact]
    public void Frame_ChatEvent_UncompressedFlagBigEndianLengthThenTheMessage()
    {
        var message = new ChatEvent { Room = "r", Sender = "Ada", Text = new string('x', 300), Sequence = 7, Epoch = "e" };

        var frame = FramedResponse.Frame(message);

        Assert.Equal(0, frame[0]);
        Assert.Equal((uint)message.CalculateSize(), BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(1)));
        Assert.Equal(FramedResponse.PrefixLength + message.CalculateSize(), frame.Length);
        Assert.Equal(message, ChatEvent.Parser.ParseFrom(frame.AsSpan(FramedResponse.PrefixLength)));
    }

    [Fact]
    public async Task Write_FramesSpanningTheBodysBuffers_EveryByteInOrder()
    {
        var (http, body) = NewResponse();
        var response = new FramedResponse(http.Response, maxSendMessageSize: null);
        // Small frames filling several of the body's buffers, and one larger than a buffer.
        var frames = Enumerable.Range(1, 200)
            .Select(static i => FramedResponse.Frame(new ChatEvent { Sequence = i, Text = new string((char)('a' + (i % 26)), i % 90) }))
            .Append(FramedResponse.Frame(new ChatEvent { Sequence = 201, Text = new string('z', 20_000) }))
            .ToList();

        foreach (var frame in frames)
        {
            response.Write(frame);
        }

        response.Commit();
        await http.Response.BodyWriter.FlushAsync();

        Assert.Equal(frames.SelectMany(static frame => frame).ToArray(), body.ToArray());
    }

    [Fact]
    public async Task Commit_NothingWrittenSince_WritesNothing()
    {
        var (http, body) = NewResponse();
        var response = new FramedResponse(http.Response, maxSendMessageSize: null);
        response.Write(FramedResponse.Frame(new ChatEvent { Sequence = 1 }));
        response.Commit();
        response.Commit();
        await http.Response.BodyWriter.FlushAsync();

        Assert.Equal(FramedResponse.Frame(new ChatEvent { Sequence = 1 }), body.ToArray());
    }

    [Fact]
    public void Write_MessageOverMaxSendMessageSize_ResourceExhaustedAsGrpcDotnetSays()
    {
        var (http, _) = NewResponse();
        var frame = FramedResponse.Frame(new ChatEvent { Text = new string('x', 100) });
        var limit = frame.Length - FramedResponse.PrefixLength;

        new FramedResponse(http.Response, maxSendMessageSize: limit).Write(frame);
        var refused = Assert.Throws<RpcException>(() => new FramedResponse(http.Response, maxSendMessageSize: limit - 1).Write(frame));

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("Sending message exceeds the maximum configured message size.", refused.Status.Detail);
    }

    [Fact]
    public async Task Subscribe_EventOverTheAppsMaxSendMessageSize_EndsWithResourceExhaustedAfterTheEventsBefore()
    {
        // As an embedding app would set it, for all its gRPC services.
        await using var server = await TestServer.StartAsync(static services => services.AddGrpc(static grpc => grpc.MaxSendMessageSize = 200));
        var room = Rooms.Unique();
        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await call.ResponseHeadersAsync.DefaultTimeout();

        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Ada", Text = "small" }).ResponseAsync.DefaultTimeout();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Ada", Text = new string('x', 300) }).ResponseAsync.DefaultTimeout();

        Assert.Equal("small", (await call.ResponseStream.ReadNextAsync()).Text);
        var refused = await call.ResponseStream.MoveNext().ThrowsRpcAsync();
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("Sending message exceeds the maximum configured message size.", refused.Status.Detail);
    }

    [Fact]
    public async Task Subscribe_RefusedEventAfterOneSpanningTheBodysBuffers_ThatOneArrivesWholeThenResourceExhausted()
    {
        await using var server = await TestServer.StartAsync(static services => services.AddGrpc(static grpc => grpc.MaxSendMessageSize = 30_000));
        var room = Rooms.Unique();
        // Both retained first, so that one resumed Subscribe finds them in one batch: the first is copied into the body
        // across several of its 4 KiB buffers, and the second is refused before the batch is handed over.
        var first = await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Ada", Text = new string('a', 20_000) }).ResponseAsync.DefaultTimeout();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Sender = "Ada", Text = new string('b', 40_000) }).ResponseAsync.DefaultTimeout();

        using var call = server.Client.Subscribe(new SubscribeRequest { Room = room, Epoch = first.Epoch });

        Assert.Equal(new string('a', 20_000), (await call.ResponseStream.ReadNextAsync()).Text);
        var refused = await call.ResponseStream.MoveNext().ThrowsRpcAsync();
        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Equal("Sending message exceeds the maximum configured message size.", refused.Status.Detail);
    }

    private static (DefaultHttpContext Http, MemoryStream Body) NewResponse()
    {
        var body = new MemoryStream();
        var http = new DefaultHttpContext();
        http.Features.Set<IHttpResponseBodyFeature>(new StreamResponseBodyFeature(body));
        return (http, body);
    }
}
