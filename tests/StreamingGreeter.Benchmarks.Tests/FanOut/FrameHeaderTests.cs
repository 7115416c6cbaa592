using System.Buffers;
using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class FrameHeaderTests
{
    [Fact]
    public void Write_ThenRead_RoundTrips()
    {
        var bytes = new byte[FrameHeader.Size];

        FrameHeader.Write(bytes, 16_383, FrameType.Headers, FrameFlags.EndHeaders | FrameFlags.EndStream, 0x7FFF_FFFF);

        Assert.Equal(new FrameHeader(16_383, FrameType.Headers, 0x5, 0x7FFF_FFFF), FrameHeader.Read(bytes));
    }

    [Fact]
    public void Read_ReservedBitSet_IgnoresIt()
    {
        // Length 8, PING, ACK, stream 0 with the reserved bit set (RFC 9113: it must be ignored).
        byte[] bytes = [0, 0, 8, 6, 1, 0x80, 0, 0, 0];

        var header = FrameHeader.Read(bytes);

        Assert.Equal(new FrameHeader(8, FrameType.Ping, FrameFlags.Ack, 0), header);
    }

    [Fact]
    public void TryRead_HeaderSplitAcrossSegments_ReadsIt()
    {
        var bytes = new byte[FrameHeader.Size];
        FrameHeader.Write(bytes, 70_000, FrameType.Data, FrameFlags.EndStream, 3);
        var split = Sequence(bytes[..4], bytes[4..]);

        Assert.True(FrameHeader.TryRead(split, out var header));
        Assert.Equal(new FrameHeader(70_000, FrameType.Data, FrameFlags.EndStream, 3), header);
    }

    [Fact]
    public void TryRead_FewerThanNineBytes_ReturnsFalse()
    {
        Assert.False(FrameHeader.TryRead(new ReadOnlySequence<byte>(new byte[8]), out _));
    }

    private static ReadOnlySequence<byte> Sequence(byte[] first, byte[] second)
    {
        var start = new Segment(first, 0);
        var end = start.Append(second);
        return new ReadOnlySequence<byte>(start, 0, end, second.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] bytes, long runningIndex)
        {
            Memory = bytes;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] bytes)
        {
            var next = new Segment(bytes, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
