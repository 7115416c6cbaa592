using System.ComponentModel.DataAnnotations;

namespace StreamingGreeter.Hub;

/// <summary>Limits and policies of the broadcast hub (configuration section <c>Hub</c>).</summary>
public sealed class BroadcastHubOptions
{
    /// <summary>Events buffered per subscriber before <see cref="SlowSubscriberPolicy"/> applies. Default 1024.</summary>
    [Range(1, 1_000_000)]
    public int SubscriberBufferCapacity { get; set; } = 1024;

    /// <summary>What happens to a subscriber whose buffer is full. Default <see cref="SlowSubscriberPolicy.Disconnect"/>.</summary>
    [EnumDataType(typeof(SlowSubscriberPolicy))]
    public SlowSubscriberPolicy SlowSubscriberPolicy { get; set; } = SlowSubscriberPolicy.Disconnect;

    /// <summary>Events retained per room for resuming subscribers; 0 disables history. Default 1000.</summary>
    [Range(0, 1_000_000)]
    public int HistorySize { get; set; } = 1000;

    /// <summary>
    /// Rooms the hub holds at once. When full, a new room is refused with <see cref="RoomLimitExceededException"/>: no
    /// room is evicted to make way, since its history belongs to whoever published it. Default 10,000.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxRooms { get; set; } = 10_000;

    /// <summary>
    /// Rooms one caller (<see cref="SubscribeOptions.Caller"/>, <see cref="PublishOptions.Caller"/>) may have created
    /// that still exist; more get <see cref="CallerRoomLimitExceededException"/>, so no caller can take every room.
    /// 0 turns the limit off. Default 1,000.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MaxRoomsPerCaller { get; set; } = 1_000;

    /// <summary>Bytes of history one room retains; its oldest events make way beyond it, as beyond <see cref="HistorySize"/>. Default 4 MiB.</summary>
    [Range(typeof(long), "65536", "1073741824")]
    public long MaxHistoryBytesPerRoom { get; set; } = 4L << 20;

    /// <summary>
    /// Bytes of history all rooms together retain; a publish that would go beyond it is refused with
    /// <see cref="RetainedBytesLimitExceededException"/> rather than erase anybody's events. Default 256 MiB.
    /// </summary>
    [Range(typeof(long), "1048576", "1099511627776")]
    public long MaxRetainedBytes { get; set; } = 256L << 20;

    /// <summary>
    /// Bytes of retained history one caller's events may take, in all rooms together; beyond it its publishes are
    /// refused with <see cref="RetainedBytesLimitExceededException"/>, so no caller can fill <see cref="MaxRetainedBytes"/>
    /// alone. 0 turns the limit off. Default 32 MiB.
    /// </summary>
    [Range(typeof(long), "0", "1099511627776")]
    public long MaxRetainedBytesPerCaller { get; set; } = 32L << 20;

    /// <summary>
    /// Bytes of events buffered for one subscriber; beyond it <see cref="SlowSubscriberPolicy"/> applies as when
    /// <see cref="SubscriberBufferCapacity"/> is reached (under DropOldest the newest event is the one dropped). Default 1 MiB.
    /// </summary>
    [Range(typeof(long), "16384", "1073741824")]
    public long MaxSubscriberBufferBytes { get; set; } = 1L << 20;

    /// <summary>Subscribers one room may have at once; more get <see cref="SubscriberLimitExceededException"/>. Default 100,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxSubscribersPerRoom { get; set; } = 100_000;

    /// <summary>How long a room without subscribers keeps its history before it is removed. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdleRoomTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long a room remembers a <see cref="PublishOptions.MessageId"/>: a publish with an id seen this recently is
    /// not published again. The ids live with the room, so a room removed sooner (see <see cref="IdleRoomTimeout"/>)
    /// forgets them sooner. Default 5 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Message ids one room remembers at most; beyond it the oldest is forgotten before its window ends. This bounds the
    /// ids' memory by count (an id is at most a few hundred bytes), apart from the history's budgets in bytes. Default 10,000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DeduplicationMaxIds { get; set; } = 10_000;
}
