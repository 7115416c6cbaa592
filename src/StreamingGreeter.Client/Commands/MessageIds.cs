namespace StreamingGreeter.Client.Commands;

/// <summary>
/// The message_id the client gives each message it publishes, so a retry of one the server did publish is answered with
/// the original's sequence instead of publishing it again.
/// </summary>
internal static class MessageIds
{
    /// <summary>A new id: 32 hex digits, unique across processes and machines, in the order they were made.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");
}
