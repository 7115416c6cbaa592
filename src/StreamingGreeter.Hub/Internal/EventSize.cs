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

    /// <summary>
    /// As <see cref="Of(string, string, string?)"/>, plus a message's binary payload: its bytes once as the event holds
    /// them and once more in the transport's encoded form, and its content type as the other strings are counted.
    /// </summary>
    public static int Of(string sender, string text, string? messageId, int dataLength, string contentType) =>
        checked(Of(sender, text, messageId) + (2 * dataLength) + (3 * contentType.Length));
}
