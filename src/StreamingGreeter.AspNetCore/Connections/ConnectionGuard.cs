using StreamingGreeter.Shared;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Connections;

/// <summary>
/// The standalone host's Kestrel connection middleware, first on every endpoint (ahead of TLS): holds connections to
/// Greeter:MaxConnections in total and Greeter:MaxConnectionsPerAddress per remote IP address, closing any beyond at
/// once, and closes those that send no HTTP/2 preface within Greeter:ConnectionPrefaceTimeout. Without it, sockets that
/// never send a byte stay open for minutes, and enough of them from one client exhaust the server's file descriptors.
/// </summary>
internal sealed class ConnectionGuard
{
    private readonly ConnectionCounter _counter;
    private readonly GreeterMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ConnectionGuard> _logger;
    private readonly StreamingGreeterOptions _options;
    private readonly WarningThrottle _totalRefusals;
    private readonly WarningThrottle _addressRefusals;
    private readonly WarningThrottle _prefaceTimeouts;

    public ConnectionGuard(ConnectionCounter counter, GreeterMetrics metrics, TimeProvider time, IOptions<StreamingGreeterOptions> options, ILogger<ConnectionGuard> logger)
    {
        _counter = counter;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _options = options.Value;
        _totalRefusals = new WarningThrottle(_options.ConnectionWarningInterval, time);
        _addressRefusals = new WarningThrottle(_options.ConnectionWarningInterval, time);
        _prefaceTimeouts = new WarningThrottle(_options.ConnectionWarningInterval, time);
    }

    /// <summary>
    /// For <c>ListenOptions.Use</c>. <paramref name="watchPreface"/> is for HTTP/2-only endpoints: on one that also
    /// speaks HTTP/1.1 (the web endpoint) a connection may rightly stay silent until its first request, so only the
    /// counts apply there, and Kestrel's own header and keep-alive timeouts close idle sockets.
    /// </summary>
    public ConnectionDelegate Wrap(ConnectionDelegate next, bool watchPreface = true) => connection => OnConnectionAsync(connection, next, watchPreface);

    private async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next, bool watchPreface)
    {
        var address = AddressOf(connection);
        if (_counter.TryEnter(address, _options.MaxConnections, _options.MaxConnectionsPerAddress) is { } refusal)
        {
            Refuse(connection, address, refusal);
            return;
        }

        try
        {
            if (!watchPreface)
            {
                await next(connection);
                return;
            }

            using var watch = new PrefaceWatch(connection, _options.ConnectionPrefaceTimeout, _time, PrefaceTimedOut);
            connection.Transport = watch;
            await next(connection);
        }
        finally
        {
            _counter.Exit(address);
        }
    }

    private void Refuse(ConnectionContext connection, IPAddress? address, string reason)
    {
        var (limit, value, throttle) = reason == ConnectionRefusals.MaxConnections
            ? ("Greeter:MaxConnections", _options.MaxConnections, _totalRefusals)
            : ("Greeter:MaxConnectionsPerAddress", _options.MaxConnectionsPerAddress, _addressRefusals);
        _metrics.ConnectionRefused(reason);
        var from = address?.ToString() ?? "unknown";
        GreeterLog.ConnectionRefused(_logger, connection.ConnectionId, from, limit, value);
        if (throttle.Count(out var count))
        {
            GreeterLog.ConnectionsRefused(_logger, count, limit, value, from, throttle.Interval);
        }

        connection.Abort(new ConnectionAbortedException($"{limit} ({value}) reached"));
    }

    private void PrefaceTimedOut(ConnectionContext connection)
    {
        _metrics.ConnectionRefused(ConnectionRefusals.PrefaceTimeout);
        var from = AddressOf(connection)?.ToString() ?? "unknown";
        var timeout = _options.ConnectionPrefaceTimeout;
        GreeterLog.ConnectionPrefaceTimedOut(_logger, connection.ConnectionId, from, timeout);
        if (_prefaceTimeouts.Count(out var count))
        {
            GreeterLog.ConnectionsWithoutPreface(_logger, count, timeout, from, _prefaceTimeouts.Interval);
        }

        connection.Abort(new ConnectionAbortedException($"no HTTP/2 preface within {timeout} (Greeter:ConnectionPrefaceTimeout)"));
    }

    /// <summary>The remote address, an IPv4 client on a dual-stack socket counted as the IPv4 address it is.</summary>
    private static IPAddress? AddressOf(ConnectionContext connection) => connection.RemoteEndPoint is IPEndPoint { Address: var address }
        ? address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address
        : null;
}
