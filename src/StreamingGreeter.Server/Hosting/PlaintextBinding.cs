using System.Net;

namespace StreamingGreeter.Server.Hosting;

/// <summary>Finds the addresses Kestrel listens on without TLS that other hosts can reach.</summary>
internal static class PlaintextBinding
{
    public static IEnumerable<string> ReachableWithoutTls(IEnumerable<string> addresses) =>
        addresses.Where(static address => address.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(address));

    private static bool IsLoopback(string address)
    {
        // Wildcard bindings (*, +, 0.0.0.0, [::]) are not URIs with a host, or not loopback ones: all reach the network.
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
