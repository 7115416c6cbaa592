namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>The values of the <c>reason</c> tag of <c>streaminggreeter.connections.refused</c>.</summary>
internal static class ConnectionRefusals
{
    public const string MaxConnections = "max_connections";
    public const string MaxConnectionsPerAddress = "max_connections_per_address";
    public const string PrefaceTimeout = "preface_timeout";
}
