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

    /// <summary>Rooms the hub holds at once. When full, the longest-idle room is evicted to make room. Default 10,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxRooms { get; set; } = 10_000;

    /// <summary>Subscribers one room may have at once; more get <see cref="SubscriberLimitExceededException"/>. Default 100,000.</summary>
    [Range(1, 10_000_000)]
    public int MaxSubscribersPerRoom { get; set; } = 100_000;

    /// <summary>How long a room without subscribers keeps its history before it is removed. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan IdleRoomTimeout { get; set; } = TimeSpan.FromMinutes(10);
}
