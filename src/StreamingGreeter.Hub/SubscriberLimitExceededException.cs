namespace StreamingGreeter.Hub;

/// <summary>A room already has its maximum number of subscribers.</summary>
public sealed class SubscriberLimitExceededException : HubLimitExceededException
{
    /// <summary>Creates the exception.</summary>
    public SubscriberLimitExceededException(string room, int maxSubscribers)
        : base($"room \"{room}\" has its limit of {maxSubscribers} subscribers (Hub:MaxSubscribersPerRoom)", room, maxSubscribers)
    {
    }

    /// <inheritdoc />
    public override string Reason => "subscribers_per_room";
}
