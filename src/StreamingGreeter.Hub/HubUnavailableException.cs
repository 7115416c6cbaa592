namespace StreamingGreeter.Hub;

/// <summary>
/// The hub cannot reach what it shares rooms through (a backplane such as Redis): a publish was not acknowledged, or a
/// subscription ended. Transports report it as unavailable, so clients retry or resume elsewhere.
/// </summary>
public sealed class HubUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
