namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>Open streaming calls per HTTP/2 connection.</summary>
internal sealed class ConnectionStreamCounter
{
    private readonly KeyedCounts<string> _open = new(StringComparer.Ordinal);

    /// <summary>Connections with a streaming call open.</summary>
    public int Connections => _open.Keys;

    public bool TryEnter(string connection, int limit) => _open.TryEnter(connection, limit);

    public void Exit(string connection) => _open.Exit(connection);
}
