namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>What the liveness check found for one room open on this node.</summary>
internal enum RoomLiveness
{
    /// <summary>Everything Redis had at the previous check was delivered, and announced by a notification.</summary>
    Delivering,

    /// <summary>Redis has events this node has not delivered yet; nothing says it will not: they are being read.</summary>
    CatchingUp,

    /// <summary>Events Redis had at the previous check are still not delivered: reading the log does not keep up.</summary>
    Behind,

    /// <summary>Events published after the previous check had no notification by this one: the subscription is dead.</summary>
    NotNotified,
}
