namespace StreamingGreeter.Hub;

/// <summary>An event to append to a room's log (see <see cref="IRoomLogSession.AppendAsync"/>); the log gives it its sequence and epoch.</summary>
/// <param name="Kind">What the event reports.</param>
/// <param name="Sender">Who publishes, joins or leaves.</param>
/// <param name="Text">The message text; empty for a membership event.</param>
/// <param name="MessageId">The publisher's message id, for deduplication; null for none.</param>
/// <param name="Time">When the hub published it, by the hub's clock; deduplication windows are measured on it too.</param>
public readonly record struct RoomLogEntry(RoomEventKind Kind, string Sender, string Text, string? MessageId, DateTimeOffset Time);
