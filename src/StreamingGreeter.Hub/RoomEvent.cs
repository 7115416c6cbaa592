namespace StreamingGreeter.Hub;

/// <summary>One event of a room. Immutable once published and shared by every subscriber that receives it.</summary>
public sealed class RoomEvent
{
    private object? _transportState;

    /// <summary>Creates an event.</summary>
    public RoomEvent(RoomEventKind kind, string room, string sender, string text, long sequence, DateTimeOffset time, string epoch)
        : this(kind, room, sender, text, sequence, time, epoch, messageId: null)
    {
    }

    /// <summary>Creates an event that carries its publisher's message id.</summary>
    public RoomEvent(RoomEventKind kind, string room, string sender, string text, long sequence, DateTimeOffset time, string epoch, string? messageId)
        : this(kind, room, sender, text, sequence, time, epoch, messageId, ReadOnlyMemory<byte>.Empty, contentType: null)
    {
    }

    /// <summary>
    /// Creates an event that carries its publisher's message id and binary payload. The event keeps
    /// <paramref name="data"/> as given, without a copy: it must not change afterwards.
    /// </summary>
    public RoomEvent(RoomEventKind kind, string room, string sender, string text, long sequence, DateTimeOffset time, string epoch, string? messageId, ReadOnlyMemory<byte> data, string? contentType)
    {
        Kind = kind;
        Room = room;
        Sender = sender;
        Text = text;
        Sequence = sequence;
        Time = time;
        Epoch = epoch;
        MessageId = string.IsNullOrEmpty(messageId) ? null : messageId;
        Data = data;
        ContentType = contentType ?? string.Empty;
        Size = Internal.EventSize.Of(sender, text, MessageId, data.Length, ContentType);
    }

    /// <summary>What the event reports.</summary>
    public RoomEventKind Kind { get; }

    /// <summary>The room the event belongs to.</summary>
    public string Room { get; }

    /// <summary>Who published the event, or who joined or left.</summary>
    public string Sender { get; }

    /// <summary>The message text; empty for <see cref="RoomEventKind.Joined"/> and <see cref="RoomEventKind.Left"/>.</summary>
    public string Text { get; }

    /// <summary>The event's position in the room's sequence space, from 1.</summary>
    public long Sequence { get; }

    /// <summary>When the hub published the event.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The id of the room's sequence space.</summary>
    public string Epoch { get; }

    /// <summary>The publisher's <see cref="PublishOptions.MessageId"/>, or null when it gave none.</summary>
    public string? MessageId { get; }

    /// <summary>The message's binary payload (<see cref="PublishOptions.Data"/>); empty when it has none.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The MIME type describing <see cref="Data"/> (<see cref="PublishOptions.ContentType"/>); empty when unspecified.</summary>
    public string ContentType { get; }

    /// <summary>What the event costs in memory as the hub's byte budgets count it; worked out once, for every subscriber.</summary>
    internal int Size { get; }

    /// <summary>
    /// A slot where a transport may keep its encoded form of this event, so that an event is encoded once rather than
    /// once per subscriber. Whatever is stored must be safe to share between concurrent readers. The hub never reads it.
    /// </summary>
    public object? TransportState
    {
        get => Volatile.Read(ref _transportState);
        set => Volatile.Write(ref _transportState, value);
    }

    /// <summary>
    /// Stores <paramref name="state"/> in <see cref="TransportState"/> unless the slot already holds something, and
    /// returns what the slot holds afterwards. Subscribers racing to encode the same event thus all end up with the
    /// first one's encoding, and the others' is dropped before anything is written with it.
    /// </summary>
    public object GetOrSetTransportState(object state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return Interlocked.CompareExchange(ref _transportState, state, null) ?? state;
    }
}
