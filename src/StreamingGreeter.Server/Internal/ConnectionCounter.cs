using System.Collections.Concurrent;
using System.Net;

namespace StreamingGreeter.Server.Internal;

/// <summary>Open connections, in total and per remote IP address; an address has an entry only while it has connections.</summary>
internal sealed class ConnectionCounter
{
    private readonly ConcurrentDictionary<IPAddress, int> _perAddress = new();
    private int _total;

    public int Total => Volatile.Read(ref _total);

    /// <summary>Counts a new connection, or refuses it: null when counted, else the <see cref="ConnectionRefusals"/> reason.</summary>
    public string? TryEnter(IPAddress? address, int maxTotal, int maxPerAddress)
    {
        if (Interlocked.Increment(ref _total) > maxTotal)
        {
            Interlocked.Decrement(ref _total);
            return ConnectionRefusals.MaxConnections;
        }

        if (address is not null && !TryEnterAddress(address, maxPerAddress))
        {
            Interlocked.Decrement(ref _total);
            return ConnectionRefusals.MaxConnectionsPerAddress;
        }

        return null;
    }

    public void Exit(IPAddress? address)
    {
        Interlocked.Decrement(ref _total);
        while (address is not null && _perAddress.TryGetValue(address, out var count))
        {
            var done = count == 1
                ? _perAddress.TryRemove(new KeyValuePair<IPAddress, int>(address, 1))
                : _perAddress.TryUpdate(address, count - 1, count);
            if (done)
            {
                return;
            }
        }
    }

    private bool TryEnterAddress(IPAddress address, int limit)
    {
        while (true)
        {
            if (_perAddress.TryGetValue(address, out var count))
            {
                if (count >= limit)
                {
                    return false;
                }

                if (_perAddress.TryUpdate(address, count + 1, count))
                {
                    return true;
                }
            }
            else if (_perAddress.TryAdd(address, 1))
            {
                return true;
            }
        }
    }
}
