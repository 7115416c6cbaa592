namespace StreamingGreeter.Hub.Internal;

/// <summary>What an event costs in memory, for the hub's budgets in bytes: an estimate, computed the same way everywhere.</summary>
internal static class EventSize
{
    /// <summary>The event object, its timestamp and a transport's encoded message around the strings.</summary>
    private const int Overhead = 256;

    /// <summary>
    /// Two bytes a character for the strings (UTF-16), one more for their encoded form that a transport caches beside
    /// them (UTF-8; three for characters beyond ASCII, which are rare enough to be averaged in).
    /// </summary>
    public static int Of(string sender, string text, string? messageId = null) =>
        Overhead + (3 * (sender.Length + text.Length + (messageId?.Length ?? 0)));
}
