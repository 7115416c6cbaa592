namespace StreamingGreeter.Hub;

/// <summary>
/// An event was refused because retaining it would take the hub's history, or its caller's share of it, beyond its
/// budget in bytes.
/// </summary>
public sealed class RetainedBytesLimitExceededException : HubLimitExceededException
{
    /// <summary>Creates the exception; <paramref name="caller"/> is set when the caller's own budget was reached.</summary>
    public RetainedBytesLimitExceededException(string room, long limit, string? caller)
        : base(caller is null
            ? $"the event for room \"{room}\" was refused: the hub retains its limit of {limit} bytes of history (Hub:MaxRetainedBytes); room histories shrink as they expire (Hub:IdleRoomTimeout)"
            : $"the event for room \"{room}\" was refused: caller {caller}'s events take its limit of {limit} bytes of retained history (Hub:MaxRetainedBytesPerCaller)",
            room,
            limit)
    {
        Caller = caller;
    }

    /// <summary>The caller whose budget was reached, or null for the hub's total.</summary>
    public string? Caller { get; }

    /// <inheritdoc />
    public override string Reason => Caller is null ? "retained_bytes" : "retained_bytes_per_caller";
}
