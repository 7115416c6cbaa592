using System.Buffers.Binary;

namespace StreamingGreeter.FanOut.Http2;

/// <summary>
/// Cuts one stream's DATA payloads into gRPC length-prefixed messages (1 byte compressed flag, 4 bytes big-endian
/// length, the message), however the frames split them. A message that lies whole in one payload is handed on in
/// place; only one that spans payloads is copied, into a buffer kept for the stream's next ones.
/// </summary>
internal sealed class GrpcMessageAssembler(int maxMessageSize = 4 * 1024 * 1024)
{
    private const int PrefixSize = 5;

    private readonly byte[] _prefix = new byte[PrefixSize];
    private byte[] _partial = [];
    private int _prefixFilled;
    private int _length;
    private int _bodyFilled;

    /// <summary>True between messages: nothing of a next one has arrived.</summary>
    public bool IsAtMessageBoundary => _prefixFilled == 0;

    public void Feed<TSink>(ReadOnlySpan<byte> data, TSink sink)
        where TSink : IGrpcMessageSink
    {
        while (!data.IsEmpty)
        {
            if (_prefixFilled < PrefixSize)
            {
                if (_prefixFilled == 0 && data.Length >= PrefixSize)
                {
                    // The common case: the prefix and, often, the whole message are in this payload.
                    var length = StartMessage(data[0], BinaryPrimitives.ReadUInt32BigEndian(data[1..]));
                    data = data[PrefixSize..];
                    if (data.Length >= length)
                    {
                        sink.OnMessage(data[..length]);
                        data = data[length..];
                        continue;
                    }

                    _prefixFilled = PrefixSize;
                }
                else
                {
                    var take = Math.Min(PrefixSize - _prefixFilled, data.Length);
                    data[..take].CopyTo(_prefix.AsSpan(_prefixFilled));
                    _prefixFilled += take;
                    data = data[take..];
                    if (_prefixFilled < PrefixSize)
                    {
                        return;
                    }

                    StartMessage(_prefix[0], BinaryPrimitives.ReadUInt32BigEndian(_prefix.AsSpan(1)));
                    if (_length == 0)
                    {
                        Complete(sink);
                        continue;
                    }
                }
            }

            var body = Math.Min(_length - _bodyFilled, data.Length);
            if (_partial.Length < _length)
            {
                Array.Resize(ref _partial, Math.Max(_length, 256));
            }

            data[..body].CopyTo(_partial.AsSpan(_bodyFilled));
            _bodyFilled += body;
            data = data[body..];
            if (_bodyFilled == _length)
            {
                Complete(sink);
            }
        }
    }

    private int StartMessage(byte compressed, uint length)
    {
        if (compressed != 0)
        {
            throw new InvalidDataException("the server sent a compressed gRPC message; this client asks for none and decodes none");
        }

        if (length > (uint)maxMessageSize)
        {
            throw new InvalidDataException($"the server sent a gRPC message of {length} bytes, more than {maxMessageSize}");
        }

        _length = (int)length;
        _bodyFilled = 0;
        return _length;
    }

    private void Complete<TSink>(TSink sink)
        where TSink : IGrpcMessageSink
    {
        sink.OnMessage(_partial.AsSpan(0, _length));
        _prefixFilled = 0;
        _bodyFilled = 0;
        _length = 0;
    }
}
