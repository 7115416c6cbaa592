using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>What operators see: the StreamingGreeter meter.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Meter_CallsAndRefusals_AreCountedByInstrumentAndReason()
    {
        await using var server = await TestServer.StartAsync("Hub:MaxSubscribersPerRoom=1");
        using var totals = new MeterTotals(server);
        var room = Rooms.Unique();

        using var subscriber = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await subscriber.ResponseHeadersAsync.DefaultTimeout();
        await server.Client.PublishAsync(new PublishRequest { Room = room, Text = "x" }).ResponseAsync.DefaultTimeout();
        await subscriber.ResponseStream.ReadNextAsync();
        using var refused = server.Client.Subscribe(new SubscribeRequest { Room = room });
        await refused.ResponseStream.ReadUntilErrorAsync();
        await server.Client.SayHelloAsync(new HelloRequest { Name = "" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(1, totals["streaminggreeter.events.published"]);
        Assert.Equal(1, totals["streaminggreeter.events.delivered"]);
        Assert.Equal(1, totals["streaminggreeter.requests.rejected[reason=subscribers_per_room]"]);
        Assert.Equal(1, totals["streaminggreeter.requests.rejected[reason=invalid_argument]"]);
    }
}
