using Grpc.Net.Client;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Connection;

/// <summary>Opens a channel to the server: HTTP/2 without TLS for http:// addresses, TLS for https://.</summary>
internal static class GreeterChannel
{
    /// <summary>
    /// The token and trusted roots of this process's command line. One process runs one command, so they are set
    /// once, before any channel is opened, rather than threaded through every command.
    /// </summary>
    public static ChannelSecurity Security { get; set; } = ChannelSecurity.None;

    public static GrpcChannel Open(Uri address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
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
    });

    public static Greeter.GreeterClient Client(GrpcChannel channel) => new(channel);
}
