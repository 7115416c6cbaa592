namespace StreamingGreeter.Hub;

/// <summary>
/// Implemented by a hub that depends on something outside the process: whether it can serve now, for health checks.
/// A hub without it is always available.
/// </summary>
public interface IHubAvailability
{
    /// <summary>True while publishes and subscriptions can succeed.</summary>
    bool IsAvailable { get; }

    /// <summary>Raised after <see cref="IsAvailable"/> changes, on whatever thread noticed the change.</summary>
    event EventHandler? AvailabilityChanged;
}
