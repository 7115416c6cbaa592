using Grpc.Net.Client;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>Clients that vanish, with or without closing their connection, are found and released.</summary>
public sealed class DeadConnectionTests
{
    [Fact]
    public async Task Subscribe_ConnectionGoesSilent_KeepalivePingsReleaseTheSubscriber()
    {
        await using var server = await TestServer.StartAsync(
            "Kestrel:Limits:Http2:KeepAlivePingDelay=00:00:01",
            "Kestrel:Limits:Http2:KeepAlivePingTimeout=00:00:01");
        await using var proxy = new TcpProxy(server.Address.Port);
        using var channel = GrpcChannel.ForAddress(proxy.Address);
        var room = Rooms.Unique();
        using var watcher = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await watcher.ResponseHeadersAsync.DefaultTimeout();
        using var member = new Greeter.GreeterClient(channel).Chat();
        await member.RequestStream.WriteAsync(new ChatMessage { Room = room, Sender = "Ann" }).DefaultTimeout();
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await member.ResponseStream.ReadNextAsync()).Kind);
        Assert.Equal(ChatEvent.Types.Kind.Joined, (await watcher.ResponseStream.ReadNextAsync()).Kind);

        // The client's machine is gone: no FIN, no RST, nothing more either way.
        proxy.Freeze();

        var left = await watcher.ResponseStream.ReadNextAsync(TimeSpan.FromSeconds(15));
        Assert.Equal((ChatEvent.Types.Kind.Left, "Ann"), (left.Kind, left.Sender));
        Assert.Equal(1, server.Hub.SubscriberCount);
    }
}
