using System.Globalization;

namespace StreamingGreeter.Client.Connection;

/// <summary>
/// Where the servers are: one http(s):// URL (a plain channel, as always), several of the same scheme (client-side
/// round-robin over a static list), or one <c>dns:///host:port</c> name whose addresses are balanced round-robin.
/// </summary>
internal sealed class ServerAddresses
{
    public const string DnsScheme = "dns";

    private ServerAddresses(IReadOnlyList<Uri> uris, string display)
    {
        Uris = uris;
        Display = display;
    }

    /// <summary>The addresses as given; one element for a <c>dns:///</c> name.</summary>
    public IReadOnlyList<Uri> Uris { get; }

    /// <summary>How the addresses are named in messages.</summary>
    public string Display { get; }

    /// <summary>True for one http(s):// address: a plain channel to it, no balancing.</summary>
    public bool IsSingle => Uris.Count == 1 && !IsDns;

    public bool IsDns => Uris[0].Scheme == DnsScheme;

    /// <summary>Whether calls use TLS: https:// addresses do; http:// and dns:/// do not.</summary>
    public bool UseTls => Uris[0].Scheme == Uri.UriSchemeHttps;

    /// <summary>Whether every address is this machine (for a dns:/// name: whether the name is).</summary>
    public bool AreLoopback => Uris.All(uri => (uri.Scheme == DnsScheme ? new Uri("http://" + uri.AbsolutePath.TrimStart('/')) : uri).IsLoopback);

    /// <summary>Parses the values of <c>--address</c>; on failure <paramref name="error"/> says what is wrong, naming the option.</summary>
    public static bool TryParse(IReadOnlyList<string> values, string example, out ServerAddresses? addresses, out string? error)
    {
        addresses = null;
        error = null;
        var uris = new List<Uri>(values.Count);
        foreach (var value in values)
        {
            if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != DnsScheme))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"--address \"{value}\" is not an http:// or https:// URL (for example {example}) or a dns:///HOST:PORT name");
                return false;
            }

            if (uri.Scheme == DnsScheme && !IsDnsName(uri))
            {
                error = string.Create(CultureInfo.InvariantCulture, $"--address \"{value}\" must have the form dns:///HOST:PORT (for example dns:///greeter.internal:50051)");
                return false;
            }

            uris.Add(uri);
        }

        if (uris.Count == 0)
        {
            error = "--address needs a value";
            return false;
        }

        if (uris.FirstOrDefault(u => u.Scheme != uris[0].Scheme) is { } other)
        {
            error = string.Create(CultureInfo.InvariantCulture, $"--address: all addresses must have the same scheme (got {uris[0].Scheme}:// and {other.Scheme}://)");
            return false;
        }

        if (uris.Count > 1 && uris[0].Scheme == DnsScheme)
        {
            error = "--address: a dns:/// name stands for all of its addresses and cannot be combined with other addresses";
            return false;
        }

        addresses = new ServerAddresses(uris, string.Join(", ", uris.Select(Describe)));
        return true;
    }

    /// <summary>One server of a list on its own: a plain channel to it.</summary>
    public static ServerAddresses Of(Uri uri) => new([uri], Describe(uri));

    private static bool IsDnsName(Uri uri)
    {
        // dns:///host:port: no authority, and a path of host and port.
        var target = uri.AbsolutePath.TrimStart('/');
        var colon = target.LastIndexOf(':');
        return uri.Authority.Length == 0
            && colon > 0
            && int.TryParse(target.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535;
    }

    private static string Describe(Uri uri) => uri.Scheme == DnsScheme ? uri.OriginalString : uri.GetLeftPart(UriPartial.Authority);
}
