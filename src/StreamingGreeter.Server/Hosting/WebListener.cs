using Microsoft.AspNetCore.Server.Kestrel.Core;
using StreamingGreeter.AspNetCore.Web;

namespace StreamingGreeter.Server.Hosting;

/// <summary>
/// The host's web endpoint (<c>Web:Urls</c>): HTTP/1.1 and HTTP/2 for browsers and plain HTTP clients, beside the
/// HTTP/2-only gRPC endpoint, which it leaves as it is.
/// </summary>
/// <remarks>
/// Kestrel binds either the <c>urls</c> setting or its endpoints from configuration and code, never both: so with a
/// web endpoint, the gRPC addresses of <c>urls</c> (or the default) become Kestrel:Endpoints too, and the web endpoints
/// are added beside them, named so that the loader can make them web endpoints.
/// </remarks>
internal sealed class WebListener
{
    public const string DefaultUrl = "http://localhost:8080";
    public const string UrlsKey = "Web:Urls";
    private const string GrpcEndpointName = "StreamingGreeterGrpc";
    private const string WebEndpointName = "StreamingGreeterWeb";

    private readonly List<ListenOptions> _endpoints = [];

    private WebListener()
    {
    }

    /// <summary>
    /// Adds the web endpoints of <c>Web:Urls</c> (absent: <see cref="DefaultUrl"/>; empty: none) and returns them, or
    /// null when there are none.
    /// </summary>
    public static WebListener? Add(WebApplicationBuilder builder, string grpcDefaultUrl)
    {
        var urls = Urls(builder.Configuration[UrlsKey] ?? DefaultUrl);
        if (urls.Length == 0)
        {
            return null;
        }

        var settings = new Dictionary<string, string?>();
        if (!builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            string[] grpc = builder.Configuration["urls"] is { Length: > 0 } given ? Split(given) : [grpcDefaultUrl];
            for (var i = 0; i < grpc.Length; i++)
            {
                settings[$"Kestrel:Endpoints:{GrpcEndpointName}{i}:Url"] = grpc[i];
            }
        }

        for (var i = 0; i < urls.Length; i++)
        {
            settings[$"Kestrel:Endpoints:{WebEndpointName}{i}:Url"] = urls[i];
        }

        builder.Configuration.AddInMemoryCollection(settings);
        // Now in Kestrel:Endpoints; left in urls, Kestrel would warn that it ignores them. An empty value would not
        // do (the web host then falls back to the urls it was started with): ";" is a list of no addresses.
        builder.Configuration["urls"] = ";";
        var listener = new WebListener();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            // Replaces the loader the host made from the same section, adding what the web endpoints need.
            var loader = kestrel.Configure(context.Configuration.GetSection("Kestrel"), reloadOnChange: true);
            for (var i = 0; i < urls.Length; i++)
            {
                loader.Endpoint($"{WebEndpointName}{i}", endpoint =>
                {
                    endpoint.ListenOptions.UseStreamingGreeterWeb();
                    if (!endpoint.IsHttps)
                    {
                        // HTTP/2 needs TLS here (ALPN), as it does in browsers: without it, HTTP/1.1 alone, and no
                        // warning from Kestrel that it cannot offer HTTP/2.
                        endpoint.ListenOptions.Protocols = HttpProtocols.Http1;
                    }

                    listener._endpoints.Add(endpoint.ListenOptions);
                });
            }
        });
        return listener;
    }

    /// <summary>Whether a bound address (as Kestrel reports it) is one of the web endpoints.</summary>
    public bool IsWebAddress(string address) =>
        AsUri(address) is { } uri && _endpoints.Exists(endpoint => endpoint.IPEndPoint?.Port == uri.Port);

    private static string[] Urls(string value)
    {
        var urls = Split(value);
        foreach (var url in urls)
        {
            if (AsUri(url) is not { } uri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidOperationException(
                    $"{UrlsKey} \"{url}\" is not an http:// or https:// URL: give one or more separated by ';', e.g. {DefaultUrl}, or leave it empty to turn the web endpoint off");
            }
        }

        return urls;
    }

    /// <summary>An address as a URI, Kestrel's wildcard hosts (+, *) read as a host name.</summary>
    private static Uri? AsUri(string address) =>
        Uri.TryCreate(address.Replace("://+:", "://any:", StringComparison.Ordinal).Replace("://*:", "://any:", StringComparison.Ordinal), UriKind.Absolute, out var uri) ? uri : null;

    private static string[] Split(string value) => value.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
