using Google.Protobuf;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// One room event as every stream sends it: its <see cref="ChatEvent"/>, and that message's protobuf bytes, serialized
/// the first time a stream writes it and then shared by every other stream of this server that sends the event.
/// </summary>
/// <remarks>
/// Sharing is right because nothing in a <see cref="ChatEvent"/> depends on who receives it: every field comes from the
/// hub's event (see <see cref="ChatEventEncoder"/>). The bytes are the message alone, without gRPC's 5-byte prefix:
/// grpc-dotnet writes the prefix per call, because whether a message is compressed (and so the prefix's flag and
/// length) is each call's own choice, as is the check against the maximum message size.
/// </remarks>
internal sealed class EncodedChatEvent(ChatEvent message)
{
    // Not the instance itself: it sits in the public RoomEvent.TransportState, where any code could lock it.
    private readonly Lock _gate = new();
    private byte[]? _payload;
    private string? _json;
    private int _serializations;

    /// <summary>The message. Shared between calls, so only ever read.</summary>
    public ChatEvent Message { get; } = message;

    /// <summary>How many times <see cref="Payload"/> was serialized: once, however many streams sent the event.</summary>
    internal int Serializations => Volatile.Read(ref _serializations);

    /// <summary>The message's protobuf encoding. Callers must not change it.</summary>
    public byte[] Payload => Volatile.Read(ref _payload) ?? Serialize();

    /// <summary>
    /// The message in the form <paramref name="format"/> gives it (the event stream's JSON), made once and shared as
    /// <see cref="Payload"/> is. Two streams may race to make it; both results are equal and the first one is kept.
    /// </summary>
    public string Json(Func<ChatEvent, string> format)
    {
        var json = Volatile.Read(ref _json);
        if (json is not null)
        {
            return json;
        }

        json = format(Message);
        return Interlocked.CompareExchange(ref _json, json, null) ?? json;
    }

    private byte[] Serialize()
    {
        // Under a lock rather than first-writer-wins: the streams of a room's subscribers all wake for the same event
        // at once, and each of them serializing it only for all but one to throw the bytes away is the cost this type
        // exists to remove. The lock is taken only until the bytes exist; after that every read is lock-free.
        lock (_gate)
        {
            if (_payload is { } payload)
            {
                return payload;
            }

            payload = Message.ToByteArray();
            Interlocked.Increment(ref _serializations);
            Volatile.Write(ref _payload, payload);
            return payload;
        }
    }
}
