using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>
/// gRPC by hand over HTTP/2 with prior knowledge: the caller frames the body byte for byte, so it can send what no
/// gRPC client would.
/// </summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="address">The server.</param>
    /// <param name="holdReadsUntilWritten">
    /// When above 0, the client reads nothing from its first connection until it has written this many bytes. HttpClient
    /// enforces the server's SETTINGS_MAX_HEADER_LIST_SIZE itself once it has read it, which would keep oversized
    /// headers from ever reaching the server; holding the server's SETTINGS back makes sure they are sent.
    /// </param>
    public RawGrpcClient(Uri address, int holdReadsUntilWritten = 0)
    {
        var handler = new SocketsHttpHandler();
        if (holdReadsUntilWritten > 0)
        {
            var connections = 0;
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    var stream = new NetworkStream(socket, ownsSocket: true);
                    // Later connections (after the server closed the first) behave normally.
                    return Interlocked.Increment(ref connections) == 1 ? new ReadsAfterWritesStream(stream, holdReadsUntilWritten) : stream;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        _http = new HttpClient(handler)
        {
            BaseAddress = address,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>A gRPC length-prefixed message: compressed flag, 4-byte big-endian length, then the payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, bool compressed = false, int? length = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(1, 4), length ?? payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    /// <summary>POSTs <paramref name="body"/> to <paramref name="path"/> as a gRPC request and reads the whole response.</summary>
    public async Task<RawGrpcResponse> PostAsync(string path, byte[] body, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        // A request built by hand does not take the client's default version; h2c needs it on the message.
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new ByteArrayContent(body),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        var content = await response.Content.ReadAsByteArrayAsync().DefaultTimeout();
        // A trailers-only response carries grpc-status in its headers; otherwise it comes in the trailers.
        var status = Header(response.Headers, "grpc-status") ?? Header(response.TrailingHeaders, "grpc-status");
        var message = Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message");
        return new RawGrpcResponse(response.StatusCode, response.Version, status is null ? null : int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), message, content);
    }

    public void Dispose() => _http.Dispose();

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.Single() : null;
}

/// <summary>What came back: the HTTP status and version, grpc-status and grpc-message (headers or trailers) and the body.</summary>
public sealed record RawGrpcResponse(HttpStatusCode HttpStatus, Version Version, int? GrpcStatus, string? GrpcMessage, byte[] Body);

/// <summary>A stream whose reads wait until a given number of bytes has been written through it.</summary>
internal sealed class ReadsAfterWritesStream(Stream inner, int threshold) : Stream
{
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _released.Task.WaitAsync(cancellationToken);
        return await inner.ReadAsync(buffer, cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await inner.WriteAsync(buffer, cancellationToken);
        if (Interlocked.Add(ref _written, buffer.Length) >= threshold)
        {
            _released.TrySetResult();
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _released.TrySetResult();
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
