using System.Buffers;
using System.Buffers.Binary;

namespace StreamingGreeter.FanOut.Http2;

/// <summary>The 9 bytes before every HTTP/2 frame's payload: length (24 bits), type, flags, stream id (31 bits).</summary>
internal readonly record struct FrameHeader(int Length, FrameType Type, byte Flags, int StreamId)
{
    public const int Size = 9;

    public bool Has(byte flag) => (Flags & flag) != 0;

    public static FrameHeader Read(ReadOnlySpan<byte> bytes) => new(
        (bytes[0] << 16) | (bytes[1] << 8) | bytes[2],
        (FrameType)bytes[3],
        bytes[4],
        (int)(BinaryPrimitives.ReadUInt32BigEndian(bytes[5..]) & 0x7FFF_FFFF));

    /// <summary>The header at the start of <paramref name="buffer"/>, wherever its segments split it; false when fewer than 9 bytes.</summary>
    public static bool TryRead(in ReadOnlySequence<byte> buffer, out FrameHeader header)
    {
        if (buffer.Length < Size)
        {
            header = default;
            return false;
        }

        if (buffer.FirstSpan.Length >= Size)
        {
            header = Read(buffer.FirstSpan);
            return true;
        }

        Span<byte> bytes = stackalloc byte[Size];
        buffer.Slice(0, Size).CopyTo(bytes);
        header = Read(bytes);
        return true;
    }

    /// <summary>Writes the header of a frame of <paramref name="length"/> payload bytes; returns the 9 bytes written.</summary>
    public static int Write(Span<byte> destination, int length, FrameType type, byte flags, int streamId)
    {
        destination[0] = (byte)(length >> 16);
        destination[1] = (byte)(length >> 8);
        destination[2] = (byte)length;
        destination[3] = (byte)type;
        destination[4] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(destination[5..], (uint)streamId & 0x7FFF_FFFF);
        return Size;
    }
}
