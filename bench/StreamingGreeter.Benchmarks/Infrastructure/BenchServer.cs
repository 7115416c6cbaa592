using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Redis;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>Which implementation of the Greeter contract a network benchmark calls.</summary>
public enum ServerKind
{
    /// <summary><see cref="BareGreeter"/> on plain Grpc.AspNetCore: no hub, no validation, no interceptors, no logging.</summary>
    Bare,

    /// <summary>The real service, composed from StreamingGreeter.AspNetCore as the standalone server composes it.</summary>
    Project,
}

/// <summary>A Kestrel server on 127.0.0.1 (HTTP/2 without TLS, a free port) in this process.</summary>
public sealed class BenchServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BenchServer(WebApplication app, string address)
    {
        _app = app;
        Address = address;
    }

    public string Address { get; }

    /// <summary>
    /// The project's server runs with the library's defaults (the shipped appsettings.json's Greeter and Hub values)
    /// except: a free port, and no publish rate limit (every benchmark client is 127.0.0.1, one caller to the limiter).
    /// </summary>
    public static readonly string[] ProjectArgs =
    [
        "--Greeter:PublishesPerSecond=0",
    ];

    private static Task UntilAvailableAsync(IHubAvailability hub)
    {
        var available = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check(object? sender, EventArgs e)
        {
            if (hub.IsAvailable)
            {
                available.TrySetResult();
            }
        }

        hub.AvailabilityChanged += Check;
        Check(null, EventArgs.Empty);
        return available.Task.ContinueWith(_ => hub.AvailabilityChanged -= Check, TaskScheduler.Default);
    }

    public static async Task<BenchServer> StartAsync(ServerKind kind, params string[] extraArgs)
    {
        var app = kind == ServerKind.Project ? BuildProject([.. ProjectArgs, .. extraArgs]) : BuildBare();
        await app.StartAsync();
        if (kind == ServerKind.Project && app.Services.GetRequiredService<IBroadcastHub>() is IHubAvailability backplane)
        {
            // The Redis hub connects in the background: measure it once it is connected, not its start.
            await UntilAvailableAsync(backplane).WaitAsync(TimeSpan.FromSeconds(30));
        }

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("the server reported no address");
        return new BenchServer(app, address.Replace("[::1]", "127.0.0.1", StringComparison.Ordinal));
    }

    /// <summary>A channel with a connection of its own (an HTTP/2 connection carries up to 100 streaming calls here).</summary>
    public GrpcChannel CreateChannel() => CreateChannel(Address);

    public static GrpcChannel CreateChannel(string address) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        },
    });

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }

    /// <summary>
    /// The library on Kestrel as the standalone server composes it (connection limits on the endpoint, the Greeter,
    /// Hub and Auth sections, Hub:Backplane=Redis for the Redis case), without what only the executable adds (health,
    /// reflection, Serilog). Logs at Warning on the console; the hosting diagnostics category is off, as the standalone
    /// server keeps it, so no call pays for a per-request Activity and logging scope.
    /// </summary>
    private static WebApplication BuildProject(string[] args)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });
        // Only the command line: neither appsettings files nor the environment change what is measured.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddCommandLine(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseStreamingGreeterConnectionLimits();
        }));
        builder.Services.AddStreamingGreeter().BindConfiguration(builder.Configuration);

        if (string.Equals(builder.Configuration["Hub:Backplane"], "Redis", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddRedisBroadcastHub();
            builder.Services.Configure<RedisBroadcastHubOptions>(builder.Configuration.GetSection("Hub:Redis"));
        }

        var app = builder.Build();
        // Created now rather than on the first call, as the standalone server does.
        app.Services.GetRequiredService<IBroadcastHub>();
        app.MapStreamingGreeter();
        return app;
    }

    private static WebApplication BuildBare()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });
        // Nothing from appsettings files or the environment: only what the framework does by default.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<BareGreeter>();
        return app;
    }
}
