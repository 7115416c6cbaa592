namespace StreamingGreeter.Server.Hosting;

/// <summary>The standalone host's own log events.</summary>
internal static partial class HostLog
{
    // Event id 8 is the one this warning had when the host and the library were one assembly; alerts keyed on it keep working.
    [LoggerMessage(8, LogLevel.Warning, "Listening on {Address} without TLS on an address other hosts can reach: calls, tokens included, cross the network in clear. Configure an https endpoint in Kestrel:Endpoints (README, Security)", EventName = "PlaintextOnNetwork")]
    public static partial void PlaintextOnNetwork(ILogger logger, string address);
}
