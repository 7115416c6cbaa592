using System.Net;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>
/// A gRPC-Web stream over HTTP/1.1 whose client stops reading: with no HTTP/2 stream to reset (gRPC-Web's reset feature
/// does nothing there), the write timeout cancels the stalled write's own token, which ends the call, its subscription
/// and the client's connection.
/// </summary>
[Collection(IsolatedCollection.Name)]
public sealed class StalledGrpcWebTests
{
    [Fact]
    public async Task Subscribe_GrpcWebOverHttp1ClientStopsReading_CallEndedAfterWriteTimeoutAndSubscriptionReleased()
    {
        // The write timeout's log is at Debug: this capture hears it, whatever the app's other loggers keep.
        var logs = new LogCapture();
        await using var web = await WebApp.StartAsync(greeter => greeter.Services
            .AddSingleton<ILoggerProvider>(logs)
            .Configure<LoggerFilterOptions>(static filter => filter.Rules.Add(new LoggerFilterRule(typeof(LogCapture).FullName, null, LogLevel.Debug, null)))
            .Configure<StreamingGreeterOptions>(static options => options.WriteTimeout = TimeSpan.FromSeconds(1))
            // Room for everything published: only the timeout, not the slow-subscriber policy, can end the call.
            .Configure<BroadcastHubOptions>(static options =>
            {
                options.SubscriberBufferCapacity = 100_000;
                options.MaxSubscriberBufferBytes = 256L << 20;
                options.MaxRetainedBytesPerCaller = 0;
            }));
        var hub = web.App.Services.GetRequiredService<InMemoryBroadcastHub>();
        var room = Rooms.Unique();

        // A client that sends its request and never reads: a small receive buffer, so the server's writes stall soon.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(IPAddress.Loopback, web.Port).DefaultTimeout();
        await stalled.SendAsync(GrpcWebRequest("/helloworld.Greeter/Subscribe", new SubscribeRequest { Room = room })).DefaultTimeout();
        await Wait.UntilAsync(() => hub.SubscriberCount == 1, () => $"{hub.SubscriberCount} subscribers, expected the stalled one");

        // Far more than the socket buffers and Kestrel's response buffer hold, in events of 60 KB.
        var publisher = web.GrpcClient();
        var data = ByteString.CopyFrom(new byte[60_000]);
        for (var i = 0; i < 200 && hub.SubscriberCount > 0; i++)
        {
            await publisher.PublishAsync(new PublishRequest { Room = room, Sender = "pub", Data = data }).ResponseAsync.DefaultTimeout();
        }

        await Wait.UntilAsync(() => hub.SubscriberCount == 0, () => $"{hub.SubscriberCount} subscribers: the stalled stream was never released");
        // Released by the write timeout, not by anything else.
        await logs.WaitForAsync(static e => LogCapture.EventName(e) == "WriteTimedOut").DefaultTimeout();
        // The connection ends too: reading what reached the client comes to an end, rather than waiting for more.
        var buffer = new byte[64 * 1024];
        await DrainUntilClosedAsync(stalled, buffer).DefaultTimeout();
        Assert.Empty(logs.Errors);
    }

    private static byte[] GrpcWebRequest(string path, IMessage message)
    {
        var body = RawGrpcClient.Frame(message.ToByteArray());
        var head = Encoding.ASCII.GetBytes(
            $"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc-web\r\nX-Grpc-Web: 1\r\nContent-Length: {body.Length}\r\n\r\n");
        return [.. head, .. body];
    }

    private static async Task DrainUntilClosedAsync(Socket socket, byte[] buffer)
    {
        try
        {
            while (await socket.ReceiveAsync(buffer) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // Reset rather than closed: aborted all the same.
        }
    }
}
