using System.Buffers.Binary;
using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class GrpcMessageAssemblerTests
{
    private static readonly byte[][] Messages = [[1, 2, 3], [], [.. Enumerable.Range(0, 300).Select(static i => (byte)i)], [9]];

    [Fact]
    public void Feed_MessagesInOnePayload_HandsEachOnWhole()
    {
        var sink = new Sink();

        new GrpcMessageAssembler().Feed(Framed(Messages), sink);

        Assert.Equal(Messages, sink.Messages);
    }

    [Fact]
    public void Feed_PayloadsSplitAtEveryByte_HandsEachOnWhole()
    {
        var framed = Framed(Messages);
        for (var cut = 0; cut <= framed.Length; cut++)
        {
            var sink = new Sink();
            var assembler = new GrpcMessageAssembler();

            assembler.Feed(framed.AsSpan(0, cut), sink);
            assembler.Feed(framed.AsSpan(cut), sink);

            Assert.Equal(Messages, sink.Messages);
            Assert.True(assembler.IsAtMessageBoundary);
        }
    }

    [Fact]
    public void Feed_OneByteAtATime_HandsEachOnWhole()
    {
        var sink = new Sink();
        var assembler = new GrpcMessageAssembler();

        foreach (var b in Framed(Messages))
        {
            assembler.Feed([b], sink);
        }

        Assert.Equal(Messages, sink.Messages);
    }

    [Fact]
    public void Feed_CompressedMessage_Throws()
    {
        byte[] framed = [1, 0, 0, 0, 1, 7];

        var error = Assert.Throws<InvalidDataException>(() => new GrpcMessageAssembler().Feed(framed, new Sink()));

        Assert.Contains("compressed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Feed_MessageAboveLimit_Throws()
    {
        byte[] framed = [0, 0, 0, 4, 1];

        Assert.Throws<InvalidDataException>(() => new GrpcMessageAssembler(maxMessageSize: 1024).Feed(framed, new Sink()));
    }

    private static byte[] Framed(byte[][] messages)
    {
        var framed = new List<byte>();
        foreach (var message in messages)
        {
            var prefix = new byte[5];
            BinaryPrimitives.WriteUInt32BigEndian(prefix.AsSpan(1), (uint)message.Length);
            framed.AddRange(prefix);
            framed.AddRange(message);
        }

        return [.. framed];
    }

    private sealed class Sink : IGrpcMessageSink
    {
        public List<byte[]> Messages { get; } = [];

        public void OnMessage(ReadOnlySpan<byte> message) => Messages.Add(message.ToArray());
    }
}
