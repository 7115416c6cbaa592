namespace StreamingGreeter.Hub;

/// <summary>What a <see cref="RoomEvent"/> reports.</summary>
public enum RoomEventKind
{
    /// <summary>A message published to the room.</summary>
    Message = 1,

    /// <summary>A member joined the room.</summary>
    Joined = 2,

    /// <summary>A member left the room.</summary>
    Left = 3,
}
