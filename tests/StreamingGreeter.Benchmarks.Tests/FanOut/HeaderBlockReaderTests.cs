using System.Text;
using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

/// <summary>The header block reader, on the examples of RFC 7541 appendix C and on the forms it must refuse.</summary>
public sealed class HeaderBlockReaderTests
{
    [Fact]
    public void TryReadNext_IndexedField_ReturnsStaticEntry()
    {
        // C.2.4: 0x82 is ":method: GET"; 0x88 is ":status: 200".
        Assert.Equal([(":method", "GET"), (":status", "200")], Fields([0x82, 0x88]));
    }

    [Fact]
    public void TryReadNext_LiteralWithoutIndexingIndexedName_ReturnsNameAndValue()
    {
        // C.2.2: ":path: /sample/path".
        byte[] block = [0x04, 0x0c, .. "/sample/path"u8];

        Assert.Equal([(":path", "/sample/path")], Fields(block));
    }

    [Fact]
    public void TryReadNext_LiteralWithIndexingNewName_ReturnsNameAndValue()
    {
        // C.2.1: "custom-key: custom-header", with incremental indexing (evicted at once from a table of size 0).
        byte[] block = [0x40, 0x0a, .. "custom-key"u8, 0x0d, .. "custom-header"u8];

        Assert.Equal([("custom-key", "custom-header")], Fields(block));
    }

    [Fact]
    public void TryReadNext_NeverIndexedNewName_ReturnsNameAndValue()
    {
        // C.2.3: "password: secret", never indexed.
        byte[] block = [0x10, 0x08, .. "password"u8, 0x06, .. "secret"u8];

        Assert.Equal([("password", "secret")], Fields(block));
    }

    [Fact]
    public void TryReadNext_TableSizeUpdateToZero_SkipsIt()
    {
        Assert.Equal([(":status", "200")], Fields([0x20, 0x88]));
    }

    [Fact]
    public void TryReadNext_TableSizeUpdateAboveZero_Throws()
    {
        var error = Assert.Throws<HpackException>(() => Fields([0x3f, 0xe1, 0x1f]));

        Assert.Contains("4096", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadNext_HuffmanString_Throws()
    {
        // C.4.1: ":authority: www.example.com", its value Huffman-coded.
        byte[] block = [0x41, 0x8c, 0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff];

        var error = Assert.Throws<HpackException>(() => Fields(block));

        Assert.Contains("Huffman", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadNext_DynamicTableIndex_Throws()
    {
        var error = Assert.Throws<HpackException>(() => Fields([0xbe]));

        Assert.Contains("62", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryReadNext_StringPastTheEnd_Throws()
    {
        Assert.Throws<HpackException>(() => Fields([0x04, 0x0c, .. "/short"u8]));
    }

    [Fact]
    public void WriteLiteral_ThenRead_RoundTrips()
    {
        var block = new byte[128];
        var length = HeaderBlockWriter.WriteIndexed(block, 3);
        length += HeaderBlockWriter.WriteLiteral(block.AsSpan(length), 4, null, "/helloworld.Greeter/Subscribe");
        length += HeaderBlockWriter.WriteLiteral(block.AsSpan(length), 0, "te", "trailers");

        Assert.Equal([(":method", "POST"), (":path", "/helloworld.Greeter/Subscribe"), ("te", "trailers")], Fields(block[..length]));
    }

    private static List<(string Name, string Value)> Fields(byte[] block)
    {
        var fields = new List<(string, string)>();
        var reader = new HeaderBlockReader(block);
        while (reader.TryReadNext(out var name, out var value))
        {
            fields.Add((Encoding.ASCII.GetString(name), Encoding.ASCII.GetString(value)));
        }

        return fields;
    }
}
