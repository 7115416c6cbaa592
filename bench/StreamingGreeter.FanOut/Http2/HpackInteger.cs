namespace StreamingGreeter.FanOut.Http2;

/// <summary>HPACK's prefixed integers (RFC 7541, section 5.1).</summary>
internal static class HpackInteger
{
    /// <summary>Decodes the integer whose first byte is <c>block[position]</c> under an N-bit prefix, and moves past it.</summary>
    public static int Read(ReadOnlySpan<byte> block, ref int position, int prefixBits)
    {
        var mask = (1 << prefixBits) - 1;
        var value = block[position++] & mask;
        if (value < mask)
        {
            return value;
        }

        var shift = 0;
        while (true)
        {
            if (position >= block.Length)
            {
                throw new HpackException("a header block ends inside an integer");
            }

            var next = block[position++];
            value += (next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }

            shift += 7;
            if (shift > 21)
            {
                throw new HpackException("an HPACK integer is too large");
            }
        }
    }

    /// <summary>Encodes <paramref name="value"/> under an N-bit prefix, OR-ing <paramref name="firstByteFlags"/> into the first byte.</summary>
    public static int Write(Span<byte> destination, int value, int prefixBits, byte firstByteFlags)
    {
        var mask = (1 << prefixBits) - 1;
        if (value < mask)
        {
            destination[0] = (byte)(firstByteFlags | value);
            return 1;
        }

        destination[0] = (byte)(firstByteFlags | mask);
        value -= mask;
        var written = 1;
        while (value >= 0x80)
        {
            destination[written++] = (byte)((value & 0x7F) | 0x80);
            value >>= 7;
        }

        destination[written++] = (byte)value;
        return written;
    }
}
