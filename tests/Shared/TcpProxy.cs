using System.Net;
using System.Net.Sockets;

namespace StreamingGreeter.Tests;

/// <summary>
/// A TCP forwarder between the client and the server that a test can break: <see cref="Cut"/> drops every connection
/// and refuses new ones until <see cref="Restore"/>, as a broken network does; <see cref="Freeze"/> keeps connections
/// open but forwards nothing more either way, as a peer that vanished without closing does (<see cref="FreezeToClient"/>
/// one way only: the server hears the client, the client hears nothing back). It also counts the bytes sent towards
/// the server, and those swallowed on their way there.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly Lock _gate = new();
    private readonly List<TcpClient> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private bool _cut;
    private volatile bool _frozenToServer;
    private volatile bool _frozenToClient;
    private long _bytesToServer;
    private (long Bytes, TaskCompletionSource Reached)? _bytesWaiter;
    private long _swallowedToServer;
    private (long Bytes, TaskCompletionSource Reached)? _swallowedWaiter;

    public TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Completes once at least <paramref name="bytes"/> bytes went towards the server.</summary>
    public Task WaitForBytesToServerAsync(long bytes)
    {
        lock (_gate)
        {
            if (_bytesToServer >= bytes)
            {
                return Task.CompletedTask;
            }

            _bytesWaiter = (bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _bytesWaiter.Value.Reached.Task;
        }
    }

    /// <summary>
    /// Completes once at least <paramref name="bytes"/> bytes from the client were swallowed by a freeze: written, so
    /// accepted by the client's network stack, but never delivered.
    /// </summary>
    public Task WaitForSwallowedBytesToServerAsync(long bytes)
    {
        lock (_gate)
        {
            if (_swallowedToServer >= bytes)
            {
                return Task.CompletedTask;
            }

            _swallowedWaiter = (bytes, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _swallowedWaiter.Value.Reached.Task;
        }
    }

    public void Cut()
    {
        TcpClient[] open;
        lock (_gate)
        {
            _cut = true;
            open = [.. _open];
            _open.Clear();
        }

        foreach (var connection in open)
        {
            Abort(connection);
        }
    }

    /// <summary>From now on, bytes either way are swallowed; no connection is closed.</summary>
    public void Freeze()
    {
        _frozenToServer = true;
        _frozenToClient = true;
    }

    /// <summary>From now on, bytes towards the client are swallowed; the server still receives everything.</summary>
    public void FreezeToClient() => _frozenToClient = true;

    /// <summary>
    /// Ends a <see cref="Cut"/> and any freeze: connections are accepted and forwarded both ways again. Cut before
    /// restoring a frozen connection: what it swallowed is gone, so the stream it carries cannot go on.
    /// </summary>
    public void Restore()
    {
        lock (_gate)
        {
            _cut = false;
        }

        _frozenToServer = false;
        _frozenToClient = false;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        try
        {
            await _accepting.DefaultTimeout();
        }
        catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            bool cut;
            lock (_gate)
            {
                cut = _cut;
            }

            if (cut)
            {
                Abort(client);
                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_gate)
            {
                _open.Add(client);
                _open.Add(server);
            }

            _ = PumpAsync(client, server, toServer: true);
            _ = PumpAsync(server, client, toServer: false);
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, bool toServer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                if (toServer ? _frozenToServer : _frozenToClient)
                {
                    if (toServer)
                    {
                        CountSwallowed(read);
                    }

                    continue;
                }

                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
                if (toServer)
                {
                    CountToServer(read);
                }
            }

            to.Client.Shutdown(SocketShutdown.Send);
        }
        catch (Exception error) when (error is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // Cut, or one side went away: the other goes too.
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>Resets the connection, as a broken network or a dead peer does.</summary>
    private static void Abort(TcpClient connection)
    {
        try
        {
            connection.Client?.Close(0);
        }
        catch (ObjectDisposedException)
        {
        }

        connection.Dispose();
    }

    private void CountToServer(int bytes)
    {
        TaskCompletionSource? reached = null;
        lock (_gate)
        {
            _bytesToServer += bytes;
            if (_bytesWaiter is { } waiter && _bytesToServer >= waiter.Bytes)
            {
                reached = waiter.Reached;
                _bytesWaiter = null;
            }
        }

        reached?.TrySetResult();
    }

    private void CountSwallowed(int bytes)
    {
        TaskCompletionSource? reached = null;
        lock (_gate)
        {
            _swallowedToServer += bytes;
            if (_swallowedWaiter is { } waiter && _swallowedToServer >= waiter.Bytes)
            {
                reached = waiter.Reached;
                _swallowedWaiter = null;
            }
        }

        reached?.TrySetResult();
    }
}
