using StreamingGreeter.Client.Output;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Connection;

/// <summary>
/// The last sequence and epoch seen in a room: where a resumed call starts, which events are duplicates, and
/// when to tell the user that events were missed or that history restarted. Sequences are compared only within one
/// epoch.
/// </summary>
internal sealed class EventSequence(long afterSequence = 0, string epoch = "")
{
    /// <summary>The sequence to resume after; 0 before anything was seen (live).</summary>
    public long LastSequence { get; private set; } = afterSequence;

    /// <summary>The epoch <see cref="LastSequence"/> belongs to; empty when not known yet.</summary>
    public string Epoch { get; private set; } = epoch;

    /// <summary>
    /// Takes the position a server registered a subscription at (<see cref="SubscribeHeaders"/>), so that a call
    /// broken before any event arrived resumes from there instead of live. Once an epoch is known nothing changes; a
    /// sequence asked for (<c>--from</c>) is kept unless it lies beyond the room's last event, where the server went
    /// live instead.
    /// </summary>
    public void StartAt(string epoch, long sequence)
    {
        if (Epoch.Length > 0)
        {
            return;
        }

        Epoch = epoch;
        LastSequence = LastSequence == 0 ? sequence : Math.Min(LastSequence, sequence);
    }

    /// <summary>
    /// Takes the next event of the room. Returns false for an event already seen (skip it); otherwise true, with a
    /// notice to show before the event when the epoch changed or sequences were skipped.
    /// </summary>
    public bool Accept(ChatEvent item, out Notice? notice)
    {
        notice = null;
        if (Epoch.Length == 0)
        {
            // The first event, when the epoch of --from was not known: nothing to compare with but the number.
            if (LastSequence > 0 && item.Sequence > LastSequence + 1)
            {
                notice = new Notice.Missed(LastSequence + 1, item.Sequence - 1);
            }
        }
        else if (!string.Equals(item.Epoch, Epoch, StringComparison.Ordinal))
        {
            notice = new Notice.HistoryRestarted(item.Epoch);
        }
        else if (item.Sequence <= LastSequence)
        {
            return false;
        }
        else if (LastSequence > 0 && item.Sequence > LastSequence + 1)
        {
            notice = new Notice.Missed(LastSequence + 1, item.Sequence - 1);
        }

        Epoch = item.Epoch;
        LastSequence = item.Sequence;
        return true;
    }
}
