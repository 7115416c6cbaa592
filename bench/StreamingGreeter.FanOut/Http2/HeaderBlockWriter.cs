using System.Text;

namespace StreamingGreeter.FanOut.Http2;

/// <summary>Writes HPACK fields a server needs no table to read: static indexes, and literals never Huffman-coded.</summary>
internal static class HeaderBlockWriter
{
    /// <summary>An indexed field of the static table (for instance 3, ":method: POST").</summary>
    public static int WriteIndexed(Span<byte> destination, int index) => HpackInteger.Write(destination, index, 7, 0x80);

    /// <summary>A literal without indexing, its name a static index (0: the name is written too).</summary>
    public static int WriteLiteral(Span<byte> destination, int nameIndex, string? name, string value)
    {
        var written = HpackInteger.Write(destination, nameIndex, 4, 0x00);
        if (nameIndex == 0)
        {
            written += WriteString(destination[written..], name!);
        }

        return written + WriteString(destination[written..], value);
    }

    private static int WriteString(Span<byte> destination, string text)
    {
        var written = HpackInteger.Write(destination, text.Length, 7, 0x00);
        return written + Encoding.ASCII.GetBytes(text, destination[written..]);
    }
}
