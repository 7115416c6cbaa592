using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

public sealed class CallHeadersTests
{
    [Fact]
    public void Parse_SubscribeResponseHeaders_ReadsStatusAndStartSequence()
    {
        var block = Block(w => w.Indexed(8).Literal(31, null, "application/grpc").Literal(0, "greeter-epoch", "0123").Literal(0, "greeter-sequence", "42"));

        var headers = CallHeaders.Parse(block);

        Assert.Equal(new CallHeaders(200, -1, null, 42), headers);
    }

    [Fact]
    public void Parse_Trailers_ReadsGrpcStatusAndDecodesMessage()
    {
        var block = Block(w => w.Literal(0, "grpc-status", "8").Literal(0, "grpc-message", "room%20is%20full%3A%20100%25"));

        var headers = CallHeaders.Parse(block);

        Assert.Equal(8, headers.GrpcStatus);
        Assert.Equal("room is full: 100%", headers.GrpcMessage);
        Assert.Equal(-1, headers.HttpStatus);
    }

    private static byte[] Block(Func<BlockBuilder, BlockBuilder> build) => build(new BlockBuilder()).ToArray();

    private sealed class BlockBuilder
    {
        private readonly byte[] _bytes = new byte[256];
        private int _length;

        public BlockBuilder Indexed(int index)
        {
            _length += HeaderBlockWriter.WriteIndexed(_bytes.AsSpan(_length), index);
            return this;
        }

        public BlockBuilder Literal(int nameIndex, string? name, string value)
        {
            _length += HeaderBlockWriter.WriteLiteral(_bytes.AsSpan(_length), nameIndex, name, value);
            return this;
        }

        public byte[] ToArray() => _bytes[.._length];
    }
}
