namespace StreamingGreeter.FanOut.Http2;

/// <summary>
/// Reads the two fields the benchmark checks from a serialized <c>helloworld.ChatEvent</c> — <c>text</c> (field 4) and
/// <c>sequence</c> (field 5, a varint) — and skips every other field by its wire type, without allocating.
/// </summary>
internal static class ChatEventReader
{
    private const int TextField = 4;
    private const int SequenceField = 5;

    public static void Read(ReadOnlySpan<byte> message, out long sequence, out ReadOnlySpan<byte> text)
    {
        sequence = 0;
        text = default;
        var position = 0;
        while (position < message.Length)
        {
            var tag = ReadVarint(message, ref position);
            var field = (int)(tag >> 3);
            switch ((int)(tag & 7))
            {
                case 0:
                    var number = ReadVarint(message, ref position);
                    if (field == SequenceField)
                    {
                        sequence = (long)number;
                    }

                    break;
                case 1:
                    position += 8;
                    break;
                case 2:
                    var length = ReadVarint(message, ref position);
                    if (length > (ulong)(message.Length - position))
                    {
                        throw new InvalidDataException($"ChatEvent field {field} runs past the end of the message");
                    }

                    if (field == TextField)
                    {
                        text = message.Slice(position, (int)length);
                    }

                    position += (int)length;
                    break;
                case 5:
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"ChatEvent field {field} has wire type {tag & 7}, which proto3 does not use");
            }
        }

        if (position != message.Length)
        {
            throw new InvalidDataException("a ChatEvent's last field runs past the end of the message");
        }
    }

    /// <summary>A non-negative decimal number written in ASCII (the publisher's timestamp); -1 when it is not one.</summary>
    public static long ParseDecimal(ReadOnlySpan<byte> digits)
    {
        if (digits.IsEmpty || digits.Length > 18)
        {
            return -1;
        }

        long value = 0;
        foreach (var digit in digits)
        {
            if (digit is < (byte)'0' or > (byte)'9')
            {
                return -1;
            }

            value = (value * 10) + (digit - '0');
        }

        return value;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= message.Length)
            {
                throw new InvalidDataException("a ChatEvent ends inside a varint");
            }

            var next = message[position++];
            value |= (ulong)(next & 0x7F) << shift;
            if ((next & 0x80) == 0)
            {
                return value;
            }
        }

        throw new InvalidDataException("a ChatEvent varint is longer than 10 bytes");
    }
}
