namespace StreamingGreeter.Client.Tests.Infrastructure;

public static class Rooms
{
    /// <summary>A room no other test uses.</summary>
    public static string New() => "t-" + Guid.NewGuid().ToString("N")[..12];
}
