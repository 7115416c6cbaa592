namespace StreamingGreeter.Hub;

/// <summary>Who is in a room: its members, ordered by sender then identity (ordinal), and its subscriptions.</summary>
/// <param name="Members">One entry per sender and identity, ordered by <see cref="RoomMember.Sender"/>, then <see cref="RoomMember.Identity"/>.</param>
/// <param name="Subscribers">Every subscription of the room, members' included.</param>
public sealed record RoomPresence(IReadOnlyList<RoomMember> Members, int Subscribers)
{
    /// <summary>A room nobody is in.</summary>
    public static RoomPresence Empty { get; } = new([], 0);

    /// <summary>
    /// Adds up several views of one room (one per hub instance): a member seen on several counts each one's
    /// connections and the earliest join time.
    /// </summary>
    public static RoomPresence Combine(IEnumerable<RoomPresence> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        var members = new Dictionary<(string Sender, string Identity), RoomMember>();
        var subscribers = 0;
        foreach (var part in parts)
        {
            subscribers += part.Subscribers;
            foreach (var member in part.Members)
            {
                var key = (member.Sender, member.Identity);
                members[key] = members.TryGetValue(key, out var seen)
                    ? seen with { Connections = seen.Connections + member.Connections, JoinedTime = Min(seen.JoinedTime, member.JoinedTime) }
                    : member;
            }
        }

        return subscribers == 0 && members.Count == 0 ? Empty : new RoomPresence(Sorted(members.Values), subscribers);
    }

    /// <summary>Members in the order presence lists them: by sender, then identity, ordinal.</summary>
    public static RoomMember[] Sorted(IEnumerable<RoomMember> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var sorted = members.ToArray();
        Array.Sort(sorted, Compare);
        return sorted;
    }

    /// <summary>The order of <see cref="Members"/>: by sender, then identity, ordinal.</summary>
    public static int Compare(RoomMember? x, RoomMember? y)
    {
        if (ReferenceEquals(x, y))
        {
            return 0;
        }

        if (x is null || y is null)
        {
            return x is null ? -1 : 1;
        }

        var bySender = string.CompareOrdinal(x.Sender, y.Sender);
        return bySender != 0 ? bySender : string.CompareOrdinal(x.Identity, y.Identity);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;
}
