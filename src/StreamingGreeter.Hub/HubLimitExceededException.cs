namespace StreamingGreeter.Hub;

/// <summary>A configured limit of the hub stopped a publish or a subscription; transports report it as resource exhaustion.</summary>
public abstract class HubLimitExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected HubLimitExceededException(string message, string room, long limit)
        : base(message)
    {
        Room = room;
        Limit = limit;
    }

    /// <summary>The room concerned.</summary>
    public string Room { get; }

    /// <summary>The limit that was reached.</summary>
    public long Limit { get; }

    /// <summary>A short, stable name of the limit, for metrics: e.g. <c>rooms</c> or <c>subscribers_per_room</c>.</summary>
    public abstract string Reason { get; }
}
