namespace StreamingGreeter.Sample;

/// <summary>What the clock publishes, and how often (the "Clock" configuration section).</summary>
public sealed class ClockOptions
{
    /// <summary>The room the ticks go to.</summary>
    public string Room { get; set; } = "clock";

    /// <summary>Who the ticks are from.</summary>
    public string Sender { get; set; } = "clock";

    /// <summary>The time between two ticks.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);
}
