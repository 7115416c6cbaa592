namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// What waits for a room's log to hand over the event at <see cref="Sequence"/>: a publisher that returns once the
/// local subscribers have it, and the caller whose budget the event counts against once it is retained (pinned until then).
/// </summary>
internal readonly record struct PendingDelivery(long Sequence, TaskCompletionSource Done, CallerAccount? Charge);
