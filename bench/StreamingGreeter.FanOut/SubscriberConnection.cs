using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.FanOut;

/// <summary>
/// One HTTP/2 connection carrying many Subscribe calls, spoken by hand so that a delivery costs the load client a frame
/// parse and a few bytes' decoding, with nothing allocated: the figures then measure the server. It asks for no
/// dynamic header table (so responses need only static-table HPACK), a 16 MiB window per stream and on the connection,
/// and extends both as it consumes data; it answers SETTINGS and PING, and fails loudly on what it does not expect.
/// </summary>
internal sealed class SubscriberConnection : IAsyncDisposable
{
    private const int Window = 16 * 1024 * 1024;
    private const int DefaultWindow = 65_535;
    private const int MaxFrameSize = 16_384;
    private const ushort SettingsHeaderTableSize = 0x1;
    private const ushort SettingsEnablePush = 0x2;
    private const ushort SettingsMaxConcurrentStreams = 0x3;
    private const ushort SettingsInitialWindowSize = 0x4;

    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly PipeReader _reader;
    private readonly SubscriberStream[] _streams;
    private readonly Lock _sendGate = new();
    private readonly byte[] _controlFrame = new byte[FrameHeader.Size + 8];
    private readonly TaskCompletionSource<int> _serverSettings = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly RunProgress _progress;
    private readonly CancellationToken _cancellation;
    private byte[] _headerBlock = new byte[MaxFrameSize];
    private int _headerBlockLength;
    private int _headerBlockStream;
    private bool _headerBlockEndsStream;
    private long _uncreditedConnectionBytes;
    private long _receivedAt;
    private int _ended;
    private Task _reading = Task.CompletedTask;

    private SubscriberConnection(Socket socket, SubscriberStream[] streams, RunProgress progress, CancellationToken cancellation)
    {
        _socket = socket;
        _progress = progress;
        _streams = streams;
        _cancellation = cancellation;
        _reader = PipeReader.Create(new NetworkStream(socket, ownsSocket: false), new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
    }

    /// <summary>
    /// Connects, exchanges SETTINGS, and sends one Subscribe request per stream in <paramref name="streams"/> (whose
    /// ids are 1, 3, 5, ...), each with the same gRPC-framed <paramref name="request"/>.
    /// </summary>
    public static async Task<SubscriberConnection> OpenAsync(IPEndPoint server, SubscriberStream[] streams, ReadOnlyMemory<byte> request, RunProgress progress, CancellationToken cancellation)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server, cancellation);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        var connection = new SubscriberConnection(socket, streams, progress, cancellation);
        connection.SendPrefaceAndSettings();
        connection._reading = connection.ReadAsync();
        var concurrentStreams = await connection._serverSettings.Task.WaitAsync(TimeSpan.FromSeconds(10), cancellation);
        if (streams.Length > concurrentStreams)
        {
            await connection.DisposeAsync();
            throw new InvalidOperationException($"the server allows {concurrentStreams} concurrent streams per connection (SETTINGS_MAX_CONCURRENT_STREAMS), fewer than the {streams.Length} asked for: use more connections or raise Kestrel:Limits:Http2:MaxStreamsPerConnection");
        }

        connection.SendRequests(server, request.Span);
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already broken.
        }

        _socket.Dispose();
        try
        {
            await _reading;
        }
        catch (Exception)
        {
            // Its failure went to the streams.
        }

        await _reader.CompleteAsync();
    }

    private void SendPrefaceAndSettings()
    {
        Span<byte> bytes = stackalloc byte[Preface.Length + FrameHeader.Size + (3 * 6) + FrameHeader.Size + 4];
        Preface.CopyTo(bytes);
        var at = Preface.Length;
        at += FrameHeader.Write(bytes[at..], 3 * 6, FrameType.Settings, 0, 0);
        at += WriteSetting(bytes[at..], SettingsHeaderTableSize, 0);
        at += WriteSetting(bytes[at..], SettingsEnablePush, 0);
        at += WriteSetting(bytes[at..], SettingsInitialWindowSize, Window);
        // The connection's window starts at 64 KiB whatever the settings say: widen it to the streams' window.
        at += FrameHeader.Write(bytes[at..], 4, FrameType.WindowUpdate, 0, 0);
        BinaryPrimitives.WriteUInt32BigEndian(bytes[at..], Window - DefaultWindow);
        Send(bytes);
    }

    private static int WriteSetting(Span<byte> destination, ushort id, uint value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, id);
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], value);
        return 6;
    }

    private void SendRequests(IPEndPoint server, ReadOnlySpan<byte> request)
    {
        Span<byte> block = stackalloc byte[256];
        var length = HeaderBlockWriter.WriteIndexed(block, 3); // :method: POST
        length += HeaderBlockWriter.WriteIndexed(block[length..], 6); // :scheme: http
        length += HeaderBlockWriter.WriteLiteral(block[length..], 4, null, "/helloworld.Greeter/Subscribe"); // :path
        length += HeaderBlockWriter.WriteLiteral(block[length..], 1, null, server.ToString()); // :authority
        length += HeaderBlockWriter.WriteLiteral(block[length..], 31, null, "application/grpc"); // content-type
        length += HeaderBlockWriter.WriteLiteral(block[length..], 0, "te", "trailers");
        block = block[..length];

        var perStream = FrameHeader.Size + block.Length + FrameHeader.Size + request.Length;
        if (perStream * _streams.Length > DefaultWindow)
        {
            // The requests are sent without watching the server's flow-control window, which is at least this.
            throw new InvalidOperationException($"{_streams.Length} requests of {perStream} bytes exceed the 64 KiB an HTTP/2 server must accept at first");
        }

        var bytes = new byte[perStream * _streams.Length];
        var at = 0;
        foreach (var stream in _streams)
        {
            at += FrameHeader.Write(bytes.AsSpan(at), block.Length, FrameType.Headers, FrameFlags.EndHeaders, stream.StreamId);
            block.CopyTo(bytes.AsSpan(at));
            at += block.Length;
            at += FrameHeader.Write(bytes.AsSpan(at), request.Length, FrameType.Data, FrameFlags.EndStream, stream.StreamId);
            request.CopyTo(bytes.AsSpan(at));
            at += request.Length;
        }

        Send(bytes);
    }

    private void Send(ReadOnlySpan<byte> bytes)
    {
        lock (_sendGate)
        {
            while (!bytes.IsEmpty)
            {
                bytes = bytes[_socket.Send(bytes)..];
            }
        }
    }

    private void SendControl(FrameType type, byte flags, int streamId, ReadOnlySpan<byte> payload)
    {
        lock (_sendGate)
        {
            FrameHeader.Write(_controlFrame, payload.Length, type, flags, streamId);
            payload.CopyTo(_controlFrame.AsSpan(FrameHeader.Size));
            Send(_controlFrame.AsSpan(0, FrameHeader.Size + payload.Length));
        }
    }

    private void SendWindowUpdate(int streamId, long increment)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(payload, (uint)increment);
        SendControl(FrameType.WindowUpdate, 0, streamId, payload);
    }

    private async Task ReadAsync()
    {
        // Off the caller's context: the loop runs on the pool for the connection's life.
        await Task.Yield();
        try
        {
            while (_ended < _streams.Length)
            {
                var result = await _reader.ReadAsync(_cancellation);
                // Every event in what one read returned arrived together: one clock read for them all, not one each
                // (it was an eighth of this client's time).
                _receivedAt = Stopwatch.GetTimestamp();
                var buffer = result.Buffer;
                while (FrameHeader.TryRead(buffer, out var header) && buffer.Length >= FrameHeader.Size + header.Length)
                {
                    if (header.Length > MaxFrameSize)
                    {
                        throw new InvalidDataException($"a {header.Type} frame of {header.Length} bytes, above SETTINGS_MAX_FRAME_SIZE {MaxFrameSize}");
                    }

                    OnFrame(header, buffer.Slice(FrameHeader.Size, header.Length));
                    buffer = buffer.Slice(FrameHeader.Size + header.Length);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                // Half the window consumed: give it back in one update rather than one per frame.
                if (_uncreditedConnectionBytes >= Window / 2)
                {
                    SendWindowUpdate(0, _uncreditedConnectionBytes);
                    _uncreditedConnectionBytes = 0;
                }

                _progress.Delivered();
                if (result.IsCompleted)
                {
                    if (_ended < _streams.Length)
                    {
                        throw new IOException($"the server closed the connection with {_streams.Length - _ended} streams open");
                    }

                    break;
                }
            }
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            // The run gave up: the streams stay as they were, for its report of what was missing.
            _serverSettings.TrySetCanceled(_cancellation);
        }
        catch (Exception error)
        {
            _serverSettings.TrySetException(error);
            foreach (var stream in _streams)
            {
                stream.OnConnectionLost($"the connection failed: {error.Message}");
            }
        }
    }

    private void OnFrame(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        switch (header.Type)
        {
            case FrameType.Data:
                OnData(header, payload);
                break;
            case FrameType.Headers:
                OnHeaders(header, payload);
                break;
            case FrameType.Continuation:
                OnContinuation(header, payload);
                break;
            case FrameType.Settings:
                OnSettings(header, payload);
                break;
            case FrameType.Ping when !header.Has(FrameFlags.Ack):
                Span<byte> opaque = stackalloc byte[8];
                payload.Slice(0, 8).CopyTo(opaque);
                SendControl(FrameType.Ping, FrameFlags.Ack, 0, opaque);
                break;
            case FrameType.RstStream:
                var stream = StreamOf(header.StreamId);
                stream.OnReset(ReadUInt32(payload));
                CountEnded(stream);
                break;
            case FrameType.GoAway:
                // A server that stops (or refuses) sends it; every stream still open is lost.
                var code = ReadUInt32(payload.Slice(4));
                foreach (var open in _streams)
                {
                    open.OnConnectionLost($"the server sent GOAWAY (HTTP/2 error {code}) with the stream open");
                    CountEnded(open);
                }

                break;
            case FrameType.PushPromise:
                throw new InvalidDataException("the server sent PUSH_PROMISE though SETTINGS_ENABLE_PUSH is 0");
            default:
                // PRIORITY, PING acknowledgements, WINDOW_UPDATE (this client sends nothing that waits on one) and
                // unknown frame types are ignored, as RFC 9113 says.
                break;
        }
    }

    private void OnData(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        var stream = StreamOf(header.StreamId);
        _uncreditedConnectionBytes += header.Length;
        stream.UncreditedBytes += header.Length;
        if (stream.UncreditedBytes >= Window / 2)
        {
            SendWindowUpdate(stream.StreamId, stream.UncreditedBytes);
            stream.UncreditedBytes = 0;
        }

        if (header.Has(FrameFlags.Padded))
        {
            var padding = payload.FirstSpan[0];
            payload = payload.Slice(1, payload.Length - 1 - padding);
        }

        stream.ReceivedAt = _receivedAt;
        foreach (var segment in payload)
        {
            stream.Assembler.Feed(segment.Span, stream);
        }

        if (header.Has(FrameFlags.EndStream))
        {
            stream.OnDataEndStream();
        }
    }

    private void OnHeaders(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (_headerBlockStream != 0)
        {
            throw new InvalidDataException("a HEADERS frame arrived while another header block awaited its CONTINUATION");
        }

        var padding = 0;
        if (header.Has(FrameFlags.Padded))
        {
            padding = payload.FirstSpan[0];
            payload = payload.Slice(1);
        }

        if (header.Has(FrameFlags.Priority))
        {
            payload = payload.Slice(5);
        }

        payload = payload.Slice(0, payload.Length - padding);
        _headerBlockStream = header.StreamId;
        _headerBlockEndsStream = header.Has(FrameFlags.EndStream);
        _headerBlockLength = 0;
        AppendHeaderBlock(payload);
        if (header.Has(FrameFlags.EndHeaders))
        {
            EndHeaderBlock();
        }
    }

    private void OnContinuation(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (header.StreamId != _headerBlockStream || _headerBlockStream == 0)
        {
            throw new InvalidDataException($"a CONTINUATION frame on stream {header.StreamId}, which has no header block open");
        }

        AppendHeaderBlock(payload);
        if (header.Has(FrameFlags.EndHeaders))
        {
            EndHeaderBlock();
        }
    }

    private void AppendHeaderBlock(ReadOnlySequence<byte> fragment)
    {
        if (_headerBlockLength + fragment.Length > _headerBlock.Length)
        {
            Array.Resize(ref _headerBlock, (int)Math.Max(_headerBlock.Length * 2, _headerBlockLength + fragment.Length));
        }

        fragment.CopyTo(_headerBlock.AsSpan(_headerBlockLength));
        _headerBlockLength += (int)fragment.Length;
    }

    private void EndHeaderBlock()
    {
        var stream = StreamOf(_headerBlockStream);
        var headers = CallHeaders.Parse(_headerBlock.AsSpan(0, _headerBlockLength));
        stream.OnHeaders(headers, _headerBlockEndsStream);
        _headerBlockStream = 0;
        CountEnded(stream);
    }

    private void OnSettings(in FrameHeader header, ReadOnlySequence<byte> payload)
    {
        if (header.Has(FrameFlags.Ack))
        {
            return;
        }

        var concurrentStreams = int.MaxValue;
        Span<byte> setting = stackalloc byte[6];
        for (var at = 0L; at + 6 <= payload.Length; at += 6)
        {
            payload.Slice(at, 6).CopyTo(setting);
            if (BinaryPrimitives.ReadUInt16BigEndian(setting) == SettingsMaxConcurrentStreams)
            {
                concurrentStreams = (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32BigEndian(setting[2..]));
            }
        }

        SendControl(FrameType.Settings, FrameFlags.Ack, 0, []);
        _serverSettings.TrySetResult(concurrentStreams);
    }

    private SubscriberStream StreamOf(int streamId)
    {
        var index = (streamId - 1) / 2;
        if (streamId <= 0 || streamId % 2 == 0 || index >= _streams.Length)
        {
            throw new InvalidDataException($"a frame on stream {streamId}, which this client did not open");
        }

        return _streams[index];
    }

    /// <summary>Counts a stream's end once, when the frame that ended it has been processed.</summary>
    private void CountEnded(SubscriberStream stream)
    {
        if (stream.Ended && !stream.Counted)
        {
            stream.Counted = true;
            _ended++;
        }
    }

    private static uint ReadUInt32(ReadOnlySequence<byte> payload)
    {
        Span<byte> bytes = stackalloc byte[4];
        payload.Slice(0, 4).CopyTo(bytes);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }
}
