using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Hosting;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>The real host on a free loopback port, with a gRPC channel to it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];
    private bool _stopped;

    private TestServer(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        Channel = CreateChannel();
        Client = new Greeter.GreeterClient(Channel);
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public Greeter.GreeterClient Client { get; }

    public InMemoryBroadcastHub Hub => App.Services.GetRequiredService<InMemoryBroadcastHub>();

    public CallTracker Calls => App.Services.GetRequiredService<CallTracker>();

    public LogCapture Logs => App.Services.GetRequiredService<LogCapture>();

    /// <summary>Starts a server. <paramref name="settings"/> are configuration overrides, e.g. "Hub:SubscriberBufferCapacity=16".</summary>
    public static Task<TestServer> StartAsync(params string[] settings) => StartAsync(static _ => { }, settings);

    /// <summary>
    /// Starts a server with <paramref name="services"/> registered after the server's own, so that an
    /// <c>AddSingleton</c> replaces what the server registers with <c>TryAdd</c> (e.g. a <see cref="TimeProvider"/>).
    /// </summary>
    public static async Task<TestServer> StartAsync(Action<IServiceCollection> services, params string[] settings)
    {
        // Endpoints from configuration (TLS tests) replace the default plaintext one.
        string[] urls = settings.Any(static setting => setting.StartsWith("Kestrel:Endpoints:", StringComparison.Ordinal)) ? [] : ["--urls", "http://127.0.0.1:0"];
        string[] args =
        [
            .. urls,
            // No web endpoint on its fixed default port, which parallel servers would contend for.
            "--Web:Urls=",
            // Keep test output readable; warnings and errors still show.
            "--Serilog:MinimumLevel:Default=Warning",
            "--Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime=Warning",
            .. settings.Select(static setting => "--" + setting),
        ];

        var app = GreeterHost.Build(args, builder =>
        {
            builder.Services.AddSingleton<CallTracker>();
            builder.Services.AddSingleton<LogCapture>();
            builder.Services.AddSingleton<Serilog.Core.ILogEventSink>(static sp => sp.GetRequiredService<LogCapture>());
            builder.Services.AddGrpc(static options => options.Interceptors.Add<CallTracker>());
            services(builder.Services);
        });

        try
        {
            await app.StartAsync().DefaultTimeout();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            return new TestServer(app, new Uri(address));
        }
        catch
        {
            await app.DisposeAsync().DefaultTimeout();
            throw;
        }
    }

    /// <summary>
    /// A new channel, with its own connections. Opens more HTTP/2 connections when one is at its stream limit. A TLS
    /// server needs a <paramref name="handler"/> that trusts its certificate.
    /// </summary>
    public GrpcChannel CreateChannel(HttpMessageHandler? handler = null)
    {
        var channel = GrpcChannel.ForAddress(Address, new GrpcChannelOptions
        {
            HttpHandler = handler ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            DisposeHttpClient = true,
        });
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    /// <summary>Stops the host (as a signal would); returns when it has stopped.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        _stopped = true;
        await App.StopAsync().DefaultTimeout(timeout ?? TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            foreach (var channel in _channels)
            {
                channel.Dispose();
            }
        }

        if (!_stopped)
        {
            await StopAsync();
        }

        // Disposing the stopped host disposes its services (the hub among them): bounded too.
        await App.DisposeAsync().DefaultTimeout();
    }
}
