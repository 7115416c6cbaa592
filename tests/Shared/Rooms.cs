namespace StreamingGreeter.Tests;

/// <summary>Room names no other test uses, so tests can share a server.</summary>
public static class Rooms
{
    // Short enough to leave room under the 64-character limit for what a test appends, and in a terminal's line.
    public static string Unique() => "room-" + Guid.NewGuid().ToString("N")[..12];
}
