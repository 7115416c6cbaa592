using System.Threading.Channels;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Hub.Specification.Tests;

/// <summary>Reading a subscription's events in hub tests, in process or across Redis nodes.</summary>
public static class RoomEvents
{
    public static async Task<List<RoomEvent>> ReadAsync(ChannelReader<RoomEvent> reader, int count)
    {
        var events = new List<RoomEvent>(count);
        while (events.Count < count)
        {
            events.Add(await reader.ReadAsync().AsTask().DefaultTimeout());
        }

        return events;
    }

    public static void AssertConsecutive(IReadOnlyList<RoomEvent> events, long first)
    {
        for (var i = 0; i < events.Count; i++)
        {
            Assert.True(events[i].Sequence == first + i, $"event {i}: expected sequence {first + i}, got {events[i].Sequence}");
        }
    }
}
