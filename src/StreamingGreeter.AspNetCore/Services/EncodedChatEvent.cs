using Google.Protobuf;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// One room event as every stream sends it: its <see cref="ChatEvent"/>, and that message as a gRPC frame (prefix and
/// protobuf bytes), made the first time a stream writes it and then shared by every other stream of this server that
/// sends the event.
/// </summary>
/// <remarks>
/// Sharing is right because nothing in a <see cref="ChatEvent"/> depends on who receives it: every field comes from the
/// hub's event (see <see cref="ChatEventEncoder"/>). The prefix can be shared too because the streams write it
/// uncompressed, and check the size limit per call (<see cref="FramedResponse"/>).
/// </remarks>
internal sealed class EncodedChatEvent(ChatEvent message)
{
    // Not the instance itself: it sits in the public RoomEvent.TransportState, where any code could lock it.
    private readonly Lock _gate = new();
    private byte[]? _frame;
    private string? _json;
    private int _serializations;

    /// <summary>The message. Shared between calls, so only ever read.</summary>
    public ChatEvent Message { get; } = message;

    /// <summary>How many times <see cref="Frame"/> was serialized: once, however many streams sent the event.</summary>
    internal int Serializations => Volatile.Read(ref _serializations);

    /// <summary>The message as an uncompressed gRPC frame (<see cref="FramedResponse.Frame"/>). Callers must not change it.</summary>
    public byte[] Frame => Volatile.Read(ref _frame) ?? Serialize();

    /// <summary>The message's protobuf encoding, without the frame's prefix.</summary>
    public ReadOnlySpan<byte> Payload => Frame.AsSpan(FramedResponse.PrefixLength);

    /// <summary>
    /// The message in the form <paramref name="format"/> gives it (the event stream's JSON), made once and shared as
    /// <see cref="Frame"/> is. Two streams may race to make it; both results are equal and the first one is kept.
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
            if (_frame is { } frame)
            {
                return frame;
            }

            frame = FramedResponse.Frame(Message);
            Interlocked.Increment(ref _serializations);
            Volatile.Write(ref _frame, frame);
            return frame;
        }
    }
}
