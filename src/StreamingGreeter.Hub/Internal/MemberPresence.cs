namespace StreamingGreeter.Hub.Internal;

/// <summary>One member of a room on this hub: the join times of its subscriptions there, guarded by the room's gate.</summary>
internal sealed class MemberPresence(string sender, string identity)
{
    // Usually one or two: a member's connections are few, so a list beats a heap.
    private readonly List<DateTimeOffset> _joined = new(1);

    public string Sender { get; } = sender;

    public string Identity { get; } = identity;

    public void Add(DateTimeOffset joined) => _joined.Add(joined);

    /// <summary>Removes one connection that joined at <paramref name="joined"/>; returns how many remain.</summary>
    public int Remove(DateTimeOffset joined)
    {
        _joined.Remove(joined);
        return _joined.Count;
    }

    public RoomMember ToMember() => new(Sender, Identity, _joined.Count, _joined.Min());
}
