using System.Threading.Channels;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>
/// A member's subscription: a local subscription whose JOINED and LEFT go through Redis like any event, so every node
/// sees them in the room's one order.
/// </summary>
internal sealed class RedisMemberSubscription(RedisBroadcastHub hub, IRoomSubscription local, string member, long firstSequence) : IRoomSubscription
{
    private int _ended;

    public string Room => local.Room;

    public string Epoch => local.Epoch;

    // Starting at its own JOINED, it skips what came before it, so that is where it went live.
    public long StartSequence => firstSequence > 0 ? firstSequence - 1 : local.StartSequence;

    public ChannelReader<RoomEvent> Events { get; } = firstSequence > 0 ? new FromSequenceReader(local.Events, firstSequence) : local.Events;

    public async ValueTask LeaveAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            return;
        }

        try
        {
            // Delivered here before the local subscription completes, so LEFT is the last event it reads.
            await hub.LeaveAsync(Room, member, graceful: true).WaitAsync(cancellationToken);
        }
        finally
        {
            await local.LeaveAsync(CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await local.DisposeAsync();
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            await hub.LeaveAsync(Room, member, graceful: false);
        }
    }

    /// <summary>Skips the events before <paramref name="first"/>, which arrived between subscribing and the member's JOINED.</summary>
    private sealed class FromSequenceReader(ChannelReader<RoomEvent> inner, long first) : ChannelReader<RoomEvent>
    {
        public override Task Completion => inner.Completion;

        public override bool TryRead(out RoomEvent item)
        {
            while (inner.TryRead(out item!))
            {
                if (item.Sequence >= first)
                {
                    return true;
                }
            }

            return false;
        }

        public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
    }
}
