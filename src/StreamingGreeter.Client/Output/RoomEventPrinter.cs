using StreamingGreeter.Client.Connection;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>Prints a room's events once each, in order, with a notice line before a gap or a new epoch.</summary>
internal sealed class RoomEventPrinter(EventSequence sequence, IOutputFormat format, ILineSink sink)
{
    public EventSequence Sequence { get; } = sequence;

    /// <summary>Prints the event unless it was printed before; returns whether it was printed.</summary>
    public bool Print(ChatEvent item)
    {
        if (!Sequence.Accept(item, out var notice))
        {
            return false;
        }

        if (notice is not null)
        {
            sink.WriteLine(format.Notice(notice));
        }

        sink.WriteLine(format.Event(item));
        return true;
    }
}
