using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Balancer;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Connection;

/// <summary>
/// Opens a channel to the server: HTTP/2 without TLS for http:// addresses, TLS for https://. Several addresses, or a
/// dns:/// name, get one channel that spreads calls round-robin over every server that is up (Grpc.Net.Client's
/// client-side load balancing).
/// </summary>
internal static class GreeterChannel
{
    /// <summary>How often a dns:/// name is resolved again, so servers added or removed behind it are seen.</summary>
    private static readonly TimeSpan DnsRefreshInterval = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The token and trusted roots of this process's command line. One process runs one command, so they are set
    /// once, before any channel is opened, rather than threaded through every command.
    /// </summary>
    public static ChannelSecurity Security { get; set; } = ChannelSecurity.None;

    public static GrpcChannel Open(ServerAddresses addresses) => addresses.IsSingle ? Open(addresses.Uris[0]) : OpenBalanced(addresses);

    public static GrpcChannel Open(Uri address) => GrpcChannel.ForAddress(address, Options());

    public static Greeter.GreeterClient Client(GrpcChannel channel) => new(channel);

    private static GrpcChannel OpenBalanced(ServerAddresses addresses)
    {
        var services = new ServiceCollection();
        services.AddSingleton<ResolverFactory>(new StaticResolverFactory(_ => addresses.Uris.Select(uri => new BalancerAddress(uri.IdnHost, uri.Port))));
        services.AddSingleton<ResolverFactory>(new DnsResolverFactory(DnsRefreshInterval));
        var options = Options();
        options.ServiceProvider = services.BuildServiceProvider();
        options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        // The target's scheme names the resolver, so whether to use TLS is said through the credentials.
        options.Credentials = addresses.UseTls ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure;
        var target = addresses.IsDns ? addresses.Uris[0] : new Uri("static:///greeter");
        return GrpcChannel.ForAddress(target, options);
    }

    private static GrpcChannelOptions Options() => new()
    {
        HttpHandler = Security.Apply(new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Pings notice a connection that died without a word (a dropped network), so streams can resume.
            KeepAlivePingDelay = TimeSpan.FromSeconds(15),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            EnableMultipleHttp2Connections = true,
        }),
        DisposeHttpClient = true,
    };
}
