using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace StreamingGreeter.AspNetCore.Connections;

/// <summary>
/// Closes a connection that has not sent its whole HTTP/2 client preface — after the TLS handshake on a TLS endpoint —
/// within a timeout. Wraps the raw transport, beneath TLS, so it works the same on every endpoint.
/// </summary>
/// <remarks>
/// Kestrel sends nothing on an HTTP/2 connection until it has read the 24-byte preface, then its SETTINGS; so the
/// first bytes the server sends, once any TLS handshake is done, say the preface arrived. Kestrel would otherwise
/// wait Limits.KeepAliveTimeout (130 s) for it, however slowly it trickles in.
/// </remarks>
internal sealed class PrefaceWatch : IDuplexPipe, IDisposable
{
    private const int Waiting = 0;
    private const int Arrived = 1;
    private const int TimedOut = 2;

    private readonly ConnectionContext _connection;
    private readonly IDuplexPipe _transport;
    private readonly Action<ConnectionContext> _timedOut;
    private readonly ITimer _timer;
    private int _state;

    public PrefaceWatch(ConnectionContext connection, TimeSpan timeout, TimeProvider time, Action<ConnectionContext> timedOut)
    {
        _connection = connection;
        _transport = connection.Transport;
        _timedOut = timedOut;
        Output = new PrefaceSignallingWriter(_transport.Output, this);
        _timer = time.CreateTimer(static state => ((PrefaceWatch)state!).Expire(), this, timeout, Timeout.InfiniteTimeSpan);
    }

    public PipeReader Input => _transport.Input;

    public PipeWriter Output { get; }

    /// <summary>The server is sending: the preface has arrived unless this is still the TLS handshake.</summary>
    public void ServerSending()
    {
        if (Volatile.Read(ref _state) != Waiting)
        {
            return;
        }

        // Kestrel's TLS layer adds this feature before its handshake, and puts its decrypted pipe in place of this one
        // once the handshake is done. (The feature's own properties throw until then.)
        if (ReferenceEquals(_connection.Transport, this) && _connection.Features.Get<ITlsHandshakeFeature>() is not null)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Arrived, Waiting) == Waiting)
        {
            _timer.Dispose();
        }
    }

    public void Dispose() => _timer.Dispose();

    private void Expire()
    {
        if (Interlocked.CompareExchange(ref _state, TimedOut, Waiting) == Waiting)
        {
            _timedOut(_connection);
        }
    }
}
