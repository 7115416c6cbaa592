using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Tests.Infrastructure;

/// <summary>A server made of the library on a free loopback port, with a gRPC channel to it.</summary>
public sealed class TestServer : IAsyncDisposable
{
    /// <summary>How long a shutdown waits for calls to end before Kestrel aborts the connections still open.</summary>
    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(1.5);

    private readonly List<GrpcChannel> _channels = [];
    private bool _stopped;

    private TestServer(WebApplication app, Uri address)
    {
        App = app;
        Address = address;
        // Kept: the capture is read after the host, and its service provider, are disposed.
        Logs = app.Services.GetRequiredService<LogCapture>();
        Channel = CreateChannel();
        Client = new Greeter.GreeterClient(Channel);
    }

    public WebApplication App { get; }

    public Uri Address { get; }

    public GrpcChannel Channel { get; }

    public Greeter.GreeterClient Client { get; }

    public InMemoryBroadcastHub Hub => App.Services.GetRequiredService<InMemoryBroadcastHub>();

    public CallTracker Calls => App.Services.GetRequiredService<CallTracker>();

    public LogCapture Logs { get; }

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
            // Keep the capture to what tests look at; a test turns a category up with Logging:LogLevel:<category>.
            "--Logging:LogLevel:Default=Warning",
            .. settings.Select(static setting => "--" + setting),
        ];

        var app = Build(args, services);
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

        // A client going away, a refused call, a shutdown: none of it is an error of the server's. What a test does
        // expect at Error it declares with Logs.AllowErrors.
        if (Logs.UnexpectedErrors is { Count: > 0 } errors)
        {
            throw new InvalidOperationException($"The server logged {errors.Count} event(s) at Error or above that the test did not expect:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }
    }

    /// <summary>
    /// The app an embedding host makes of the library, as the standalone server composes it: HTTP/2 on Kestrel with the
    /// connection limits on every endpoint, the Greeter, Hub and Auth sections bound, JWT authentication when
    /// Auth:Mode is Jwt; Kestrel:Endpoints and Kestrel:Limits from configuration. Its logs go to a <see cref="LogCapture"/> only.
    /// </summary>
    private static WebApplication Build(string[] args, Action<IServiceCollection> services)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<LogCapture>();
        builder.Services.AddSingleton<ILoggerProvider>(static sp => sp.GetRequiredService<LogCapture>());

        builder.WebHost.ConfigureKestrel(static kestrel => kestrel.ConfigureEndpointDefaults(static endpoint =>
        {
            // gRPC without TLS needs HTTP/2 with prior knowledge.
            endpoint.Protocols = HttpProtocols.Http2;
            endpoint.UseStreamingGreeterConnectionLimits();
        }));
        // Kestrel's configuration loader reads endpoints and certificates, not limits (keepalive pings among them).
        builder.Services.Configure<KestrelServerOptions>(kestrel => builder.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits));
        builder.Services.AddStreamingGreeter().BindConfiguration(builder.Configuration);

        // The standalone server's default, which tests with streams left open at shutdown rely on; HostOptions:ShutdownTimeout overrides it.
        builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = ShutdownTimeout);
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));

        builder.Services.AddSingleton<CallTracker>();
        builder.Services.AddGrpc(static options => options.Interceptors.Add<CallTracker>());
        services(builder.Services);

        var app = builder.Build();
        // Created now rather than on the first call, so its gauges are there from the first measurement.
        app.Services.GetRequiredService<IBroadcastHub>();
        app.MapStreamingGreeter();
        return app;
    }
}
