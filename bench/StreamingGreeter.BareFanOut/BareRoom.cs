using System.Buffers.Binary;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.Protos;

namespace StreamingGreeter.BareFanOut;

/// <summary>
/// One room: a sequence and the subscribers' channels. A publish numbers its event, serializes it once into a gRPC
/// message (5-byte prefix included) and offers those bytes to every channel under one lock, so each subscriber sees the
/// sequence in order; a full channel ends its subscriber, as the project's default slow-subscriber policy does, rather
/// than holding up the others.
/// </summary>
internal sealed class BareRoom(string name)
{
    /// <summary>As the project's Hub:SubscriberBufferCapacity default.</summary>
    public const int BufferCapacity = 1024;

    // As long as the hub's epochs (a GUID in "N" format), so events are the same size as the project's.
    private const string Epoch = "00000000000000000000000000000000";

    private static readonly BoundedChannelOptions ChannelOptions = new(BufferCapacity) { SingleReader = true, SingleWriter = true };

    private readonly Lock _gate = new();
    private readonly List<Channel<byte[]>> _subscribers = [];
    private long _sequence;

    public string Name { get; } = name;

    /// <summary>A new subscriber's channel of framed events, and the sequence after which every event reaches it.</summary>
    public (Channel<byte[]> Frames, long StartSequence) Subscribe()
    {
        var channel = Channel.CreateBounded<byte[]>(ChannelOptions);
        lock (_gate)
        {
            _subscribers.Add(channel);
            return (channel, _sequence);
        }
    }

    public void Unsubscribe(Channel<byte[]> channel)
    {
        lock (_gate)
        {
            _subscribers.Remove(channel);
        }
    }

    public long Publish(string sender, string text)
    {
        lock (_gate)
        {
            var frame = Frame(new ChatEvent
            {
                Kind = ChatEvent.Types.Kind.Message,
                Room = Name,
                Sender = sender,
                Text = text,
                Sequence = ++_sequence,
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Epoch = Epoch,
            });
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(frame))
                {
                    _subscribers[i].Writer.TryComplete(new InvalidOperationException($"subscriber fell {BufferCapacity} events behind"));
                    _subscribers.RemoveAt(i);
                }
            }

            return _sequence;
        }
    }

    /// <summary>The event as a gRPC message: uncompressed flag, big-endian length, the serialized event.</summary>
    private static byte[] Frame(ChatEvent chatEvent)
    {
        var size = chatEvent.CalculateSize();
        var frame = new byte[5 + size];
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1), size);
        chatEvent.WriteTo(frame.AsSpan(5));
        return frame;
    }
}
