namespace StreamingGreeter.Hub;

/// <summary>What happens to a subscriber whose buffer is full when an event arrives.</summary>
public enum SlowSubscriberPolicy
{
    /// <summary>The subscriber is removed; reading its events fails with <see cref="SubscriberOverflowException"/> once its buffer is drained.</summary>
    Disconnect = 0,

    /// <summary>The oldest buffered event is dropped; the subscriber sees a jump in sequence.</summary>
    DropOldest = 1,
}
