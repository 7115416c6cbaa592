using System.Collections.Concurrent;

namespace StreamingGreeter.Server.Internal;

/// <summary>Open streaming calls per HTTP/2 connection; an entry exists only while its count is above zero.</summary>
internal sealed class ConnectionStreamCounter
{
    private readonly ConcurrentDictionary<string, int> _open = new(StringComparer.Ordinal);

    public int Connections => _open.Count;

    public bool TryEnter(string connection, int limit)
    {
        while (true)
        {
            if (_open.TryGetValue(connection, out var count))
            {
                if (count >= limit)
                {
                    return false;
                }

                if (_open.TryUpdate(connection, count + 1, count))
                {
                    return true;
                }
            }
            else if (_open.TryAdd(connection, 1))
            {
                return true;
            }
        }
    }

    public void Exit(string connection)
    {
        while (_open.TryGetValue(connection, out var count))
        {
            var done = count == 1
                ? _open.TryRemove(new KeyValuePair<string, int>(connection, 1))
                : _open.TryUpdate(connection, count - 1, count);
            if (done)
            {
                return;
            }
        }
    }
}
