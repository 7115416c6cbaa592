using System.Collections.Concurrent;

namespace StreamingGreeter.BareFanOut;

/// <summary>The rooms by name; a room lives as long as the process.</summary>
internal sealed class BareRooms
{
    private readonly ConcurrentDictionary<string, BareRoom> _rooms = new(StringComparer.Ordinal);

    public BareRoom Get(string name) => _rooms.GetOrAdd(name, static name => new BareRoom(name));
}
