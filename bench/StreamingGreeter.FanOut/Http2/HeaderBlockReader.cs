namespace StreamingGreeter.FanOut.Http2;

/// <summary>
/// Reads the fields of one HPACK header block (RFC 7541) without allocating, as a server answers a client that allows
/// it no dynamic table (SETTINGS_HEADER_TABLE_SIZE=0): static-table indexes, literals, and table size updates to 0.
/// Anything else — a dynamic index, a Huffman-coded string (Kestrel writes none) — throws <see cref="HpackException"/>.
/// </summary>
internal ref struct HeaderBlockReader(ReadOnlySpan<byte> block)
{
    private readonly ReadOnlySpan<byte> _block = block;
    private int _position;

    /// <summary>The next field; false at the end of the block. The spans point into the block or the static table.</summary>
    public bool TryReadNext(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        while (_position < _block.Length)
        {
            var first = _block[_position];
            if ((first & 0x80) != 0)
            {
                // Indexed field.
                var entry = HpackStaticTable.Get(HpackInteger.Read(_block, ref _position, 7));
                name = entry.Name;
                value = entry.Value;
                return true;
            }

            if ((first & 0xE0) == 0x20)
            {
                // Dynamic table size update: only to 0, the size this client set.
                var size = HpackInteger.Read(_block, ref _position, 5);
                if (size != 0)
                {
                    throw new HpackException($"the server set its header table size to {size}, above the 0 this client allows");
                }

                continue;
            }

            // Literal with incremental indexing (01xxxxxx, 6-bit index), without indexing (0000xxxx) or never indexed
            // (0001xxxx, 4-bit index). With a table of size 0 an indexed literal is evicted at once: nothing to keep.
            var nameIndex = HpackInteger.Read(_block, ref _position, (first & 0x40) != 0 ? 6 : 4);
            name = nameIndex == 0 ? ReadString() : HpackStaticTable.Get(nameIndex).Name;
            value = ReadString();
            return true;
        }

        name = default;
        value = default;
        return false;
    }

    private ReadOnlySpan<byte> ReadString()
    {
        if (_position >= _block.Length)
        {
            throw new HpackException("a header block ends before a string");
        }

        if ((_block[_position] & 0x80) != 0)
        {
            throw new HpackException("the server Huffman-coded a header string, which this client does not decode");
        }

        var length = HpackInteger.Read(_block, ref _position, 7);
        if (length > _block.Length - _position)
        {
            throw new HpackException($"a header string of {length} bytes runs past the end of its block");
        }

        var text = _block.Slice(_position, length);
        _position += length;
        return text;
    }
}
