namespace StreamingGreeter.Client.Output;

/// <summary>Something about a room's event stream the user must not miss: a gap, or history that started afresh.</summary>
internal abstract record Notice
{
    private Notice()
    {
    }

    /// <summary>The room's epoch changed (the server restarted, or the room was idle and removed): sequences start afresh.</summary>
    public sealed record HistoryRestarted(string Epoch) : Notice;

    /// <summary>Events <paramref name="From"/> to <paramref name="To"/> (inclusive) were not received.</summary>
    public sealed record Missed(long From, long To) : Notice;
}
