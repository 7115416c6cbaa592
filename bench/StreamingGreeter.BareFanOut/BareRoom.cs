using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.Protos;

namespace StreamingGreeter.BareFanOut;

/// <summary>
/// One room: a sequence and the subscribers' channels. A publish numbers its event and offers it to every channel under
/// one lock, so each subscriber sees the sequence in order; a full channel ends its subscriber, as the project's
/// default slow-subscriber policy does, rather than holding up the others.
/// </summary>
internal sealed class BareRoom(string name)
{
    /// <summary>As the project's Hub:SubscriberBufferCapacity default.</summary>
    public const int BufferCapacity = 1024;

    // As long as the hub's epochs (a GUID in "N" format), so events are the same size as the project's.
    private const string Epoch = "00000000000000000000000000000000";

    private static readonly BoundedChannelOptions ChannelOptions = new(BufferCapacity) { SingleReader = true, SingleWriter = true };

    private readonly Lock _gate = new();
    private readonly List<Channel<ChatEvent>> _subscribers = [];
    private long _sequence;

    public string Name { get; } = name;

    /// <summary>A new subscriber's channel, and the sequence after which every event reaches it.</summary>
    public (Channel<ChatEvent> Events, long StartSequence) Subscribe()
    {
        var channel = Channel.CreateBounded<ChatEvent>(ChannelOptions);
        lock (_gate)
        {
            _subscribers.Add(channel);
            return (channel, _sequence);
        }
    }

    public void Unsubscribe(Channel<ChatEvent> channel)
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
            // One message for every subscriber: grpc-dotnet serializes it once per write, as any plain service does.
            var chatEvent = new ChatEvent
            {
                Kind = ChatEvent.Types.Kind.Message,
                Room = Name,
                Sender = sender,
                Text = text,
                Sequence = ++_sequence,
                Time = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                Epoch = Epoch,
            };
            for (var i = _subscribers.Count - 1; i >= 0; i--)
            {
                if (!_subscribers[i].Writer.TryWrite(chatEvent))
                {
                    _subscribers[i].Writer.TryComplete(new InvalidOperationException($"subscriber fell {BufferCapacity} events behind"));
                    _subscribers.RemoveAt(i);
                }
            }

            return _sequence;
        }
    }
}
