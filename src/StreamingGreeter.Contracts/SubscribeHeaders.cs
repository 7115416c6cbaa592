namespace StreamingGreeter.Protos;

/// <summary>
/// The response headers of Subscribe, part of the contract like greeter.proto (which says what they mean); the
/// server and the client both read their names from here, so the two cannot drift apart.
/// </summary>
public static class SubscribeHeaders
{
    /// <summary>The room's epoch when the subscription was registered.</summary>
    public const string Epoch = "greeter-epoch";

    /// <summary>The sequence after which every event of that epoch reaches the call, in decimal.</summary>
    public const string Sequence = "greeter-sequence";
}
