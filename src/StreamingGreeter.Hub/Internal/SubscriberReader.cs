using System.Threading.Channels;

namespace StreamingGreeter.Hub.Internal;

/// <summary>
/// Yields the replayed events taken at subscribe time, then the live queue. Both were captured under the room's
/// gate in one step, which is what makes the seam free of gaps and duplicates.
/// </summary>
internal sealed class SubscriberReader(Subscriber owner, RoomEvent[] replay, SubscriberQueue live) : ChannelReader<RoomEvent>
{
    private RoomEvent[] _replay = replay;
    private int _next;

    public override Task Completion => live.Completion;

    public override bool TryRead(out RoomEvent item)
    {
        if (_next < _replay.Length)
        {
            item = _replay[_next++];
            if (_next == _replay.Length)
            {
                _replay = [];
                _next = 0;
            }

            return true;
        }

        while (live.TryRead(out item!))
        {
            // Replayed events are the history's, already counted there; live ones were counted against the buffer.
            owner.Consumed(item);
            if (item.Sequence >= owner.FirstLiveSequence)
            {
                return true;
            }
        }

        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _next < _replay.Length ? new ValueTask<bool>(true) : live.WaitToReadAsync(cancellationToken);
}
