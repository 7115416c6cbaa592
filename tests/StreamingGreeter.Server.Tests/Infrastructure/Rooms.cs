namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>Room names no other test uses, so tests can share a server.</summary>
public static class Rooms
{
    public static string Unique() => "room-" + Guid.NewGuid().ToString("N");
}
