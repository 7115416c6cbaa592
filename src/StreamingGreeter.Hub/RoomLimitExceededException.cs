namespace StreamingGreeter.Hub;

/// <summary>A new room was needed while the hub already holds its maximum number of rooms.</summary>
public sealed class RoomLimitExceededException : HubLimitExceededException
{
    /// <summary>Creates the exception.</summary>
    public RoomLimitExceededException(string room, int maxRooms)
        : base($"room \"{room}\" cannot be created: the hub holds its limit of {maxRooms} rooms (Hub:MaxRooms); rooms free up as idle ones expire (Hub:IdleRoomTimeout)", room, maxRooms)
    {
    }

    /// <inheritdoc />
    public override string Reason => "rooms";
}
