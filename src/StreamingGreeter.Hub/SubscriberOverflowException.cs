namespace StreamingGreeter.Hub;

/// <summary>A subscriber fell behind by more than its buffer and was disconnected.</summary>
public sealed class SubscriberOverflowException : Exception
{
    /// <summary>Creates the exception.</summary>
    public SubscriberOverflowException(string room, int bufferCapacity)
        : base($"the subscriber of room \"{room}\" fell behind: its buffer of {bufferCapacity} events is full")
    {
        Room = room;
        BufferCapacity = bufferCapacity;
    }

    /// <summary>The room.</summary>
    public string Room { get; }

    /// <summary>The buffer size that was exceeded.</summary>
    public int BufferCapacity { get; }
}
