namespace StreamingGreeter.Hub;

/// <summary>Shorthands for <see cref="IBroadcastHub"/>.</summary>
public static class BroadcastHubExtensions
{
    /// <summary>
    /// Publishes as <see cref="IBroadcastHub.PublishAsync"/> does, counted against no caller: for an app's own code,
    /// which no per-caller limit should hold back.
    /// </summary>
    public static ValueTask<PublishResult> PublishAsync(this IBroadcastHub hub, string room, string sender, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(hub);
        return hub.PublishAsync(room, sender, text, default, cancellationToken);
    }
}
