using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// A call's response body, written with messages that are already gRPC frames: the 5-byte prefix (compressed flag,
/// big-endian length) and the protobuf bytes, made once per event (<see cref="Frame"/>) and copied as they are into
/// every stream that sends the event. It is the one place below grpc-dotnet's response writer.
/// </summary>
/// <remarks>
/// <para>
/// grpc-dotnet's writer frames every message itself, per call: it registers the write's token, takes its write lock,
/// runs two async methods and the marshaller, and writes the prefix and the bytes apart, for each event of each
/// subscriber. For a room's fan-out that is the per-delivery cost that remains once the event is serialized once, so
/// a subscriber's waiting events are copied here into the same body pipe grpc-dotnet writes to (the gRPC-Web
/// middleware's, for a gRPC-Web call), and flushed once by the caller.
/// </para>
/// <para>
/// What grpc-dotnet's writer does per call is kept: the response is started the way it starts it, and a message
/// larger than the service's <c>MaxSendMessageSize</c> is refused with the status grpc-dotnet gives. Frames are never
/// compressed: the flag byte is 0, which the gRPC protocol allows for any message of any call, whatever grpc-encoding
/// the response names. The caller owns ordering: one writer per call, as with grpc-dotnet's writer.
/// </para>
/// </remarks>
internal sealed class FramedResponse(HttpResponse response, int? maxSendMessageSize)
{
    public const int PrefixLength = 5;

    /// <summary>The most asked of the body at a time: Kestrel's buffer size, so that a larger size asks for no larger buffer.</summary>
    private const int MaxSizeHint = 4096;

    private static readonly Status MessageTooLarge = new(StatusCode.ResourceExhausted, "Sending message exceeds the maximum configured message size.");

    private readonly PipeWriter _body = response.BodyWriter;
    private Memory<byte> _buffer;
    private int _buffered;

    /// <summary>
    /// True, once started, when a frame can go to the body in one write-and-flush (<c>PipeWriter.WriteAsync</c>). Not
    /// for gRPC-Web text, whose base64 body lends no memory when asked for any size, as that write asks; its response
    /// is known by the content type gRPC-Web gives it as it starts.
    /// </summary>
    public bool WritesInOneCall { get; private set; }

    /// <summary><paramref name="message"/> as one uncompressed gRPC frame.</summary>
    public static byte[] Frame(IMessage message)
    {
        var length = message.CalculateSize();
        var frame = new byte[PrefixLength + length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)length);
        message.WriteTo(frame.AsSpan(PrefixLength));
        return frame;
    }

    /// <summary>Sends the response's headers unless they are sent: grpc-dotnet does so before its first write too.</summary>
    public async Task StartAsync()
    {
        if (!response.HasStarted)
        {
            await response.StartAsync();
        }

        WritesInOneCall = response.ContentType?.StartsWith("application/grpc-web-text", StringComparison.OrdinalIgnoreCase) != true;
    }

    /// <summary>
    /// Copies <paramref name="frame"/>, made by <see cref="Frame"/>, into the body. It is handed to the body by
    /// <see cref="Commit"/>, which must come before the body is flushed.
    /// </summary>
    public void Write(ReadOnlySpan<byte> frame)
    {
        CheckSize(frame);

        // Frames are copied into the memory the body lends, and it is told of them once it is full or at the commit:
        // each GetMemory and Advance of Kestrel's HTTP/2 body takes the stream's lock, which its connection's frame
        // writer takes too, so a batch of small events pays for it once per buffer rather than once per event.
        while (true)
        {
            var free = _buffer.Span[_buffered..];
            if (frame.Length <= free.Length)
            {
                frame.CopyTo(free);
                _buffered += frame.Length;
                return;
            }

            frame[..free.Length].CopyTo(free);
            _buffered += free.Length;
            frame = frame[free.Length..];
            Commit();
            // With a size asked for: a body may lend nothing when asked for any size (gRPC-Web's base64 writer does,
            // before its first write). The rest of a large frame is copied a buffer at a time.
            _buffer = _body.GetMemory(Math.Min(frame.Length, MaxSizeHint));
        }
    }

    /// <summary>
    /// Refuses a frame over the service's <c>MaxSendMessageSize</c> as grpc-dotnet refuses a message; for a frame that
    /// is sent by other means than <see cref="Write"/>.
    /// </summary>
    public void CheckSize(ReadOnlySpan<byte> frame)
    {
        if (frame.Length - PrefixLength > maxSendMessageSize)
        {
            throw new RpcException(MessageTooLarge);
        }
    }

    /// <summary>
    /// Hands the frames written since the last commit to the body, to be sent by its next flush. Until then the body may
    /// hold the first part of a frame that spans its buffers, so a caller that stops between writes, for whatever
    /// reason, commits before anything else is written to the response (its trailers included).
    /// </summary>
    public void Commit()
    {
        if (_buffered > 0)
        {
            _body.Advance(_buffered);
        }

        _buffer = default;
        _buffered = 0;
    }
}
