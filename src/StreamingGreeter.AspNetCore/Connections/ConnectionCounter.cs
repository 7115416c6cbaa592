using StreamingGreeter.AspNetCore.Internal;
using System.Net;

namespace StreamingGreeter.AspNetCore.Connections;

/// <summary>Open connections, in total and per remote IP address; an address has an entry only while it has connections.</summary>
internal sealed class ConnectionCounter
{
    private readonly KeyedCounts<IPAddress> _perAddress = new();
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

        if (address is not null && !_perAddress.TryEnter(address, maxPerAddress))
        {
            Interlocked.Decrement(ref _total);
            return ConnectionRefusals.MaxConnectionsPerAddress;
        }

        return null;
    }

    public void Exit(IPAddress? address)
    {
        Interlocked.Decrement(ref _total);
        if (address is not null)
        {
            _perAddress.Exit(address);
        }
    }
}
