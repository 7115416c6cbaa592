namespace StreamingGreeter.Hub;

/// <summary>An event to append to a room's log (see <see cref="IRoomLogSession.AppendAsync"/>); the log gives it its sequence and epoch.</summary>
/// <param name="Kind">What the event reports.</param>
/// <param name="Sender">Who publishes, joins or leaves.</param>
/// <param name="Text">The message text; empty for a membership event.</param>
/// <param name="MessageId">The publisher's message id, for deduplication; null for none.</param>
/// <param name="Time">When the hub published it, by the hub's clock; deduplication windows are measured on it too.</param>
public readonly record struct RoomLogEntry(RoomEventKind Kind, string Sender, string Text, string? MessageId, DateTimeOffset Time)
{
    // Properties rather than more positional parameters, so that logs written against the five-parameter
    // constructor keep compiling; a log that ignores them stores text-only events, as before.
    private readonly string? _contentType;

    /// <summary>The message's binary payload; empty for none and for a membership event. It does not change afterwards.</summary>
    public ReadOnlyMemory<byte> Data { get; init; }

    /// <summary>The MIME type describing <see cref="Data"/>; empty when unspecified.</summary>
    public string ContentType
    {
        get => _contentType ?? string.Empty;
        init => _contentType = value;
    }
}
