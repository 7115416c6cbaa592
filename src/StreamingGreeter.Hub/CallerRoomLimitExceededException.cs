namespace StreamingGreeter.Hub;

/// <summary>A caller that already created its maximum number of rooms needed a new one.</summary>
public sealed class CallerRoomLimitExceededException : HubLimitExceededException
{
    /// <summary>Creates the exception.</summary>
    public CallerRoomLimitExceededException(string room, string caller, int maxRooms)
        : base($"room \"{room}\" cannot be created: caller {caller} already created {maxRooms} rooms that still exist (Hub:MaxRoomsPerCaller)", room, maxRooms)
    {
        Caller = caller;
    }

    /// <summary>The caller refused.</summary>
    public string Caller { get; }

    /// <inheritdoc />
    public override string Reason => "rooms_per_caller";
}
