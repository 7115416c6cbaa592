using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Server.Hosting;

namespace StreamingGreeter.Benchmarks.Infrastructure;

/// <summary>Which implementation of the Greeter contract a network benchmark calls.</summary>
public enum ServerKind
{
    /// <summary><see cref="BareGreeter"/> on plain Grpc.AspNetCore: no hub, no validation, no interceptors, no logging.</summary>
    Bare,

    /// <summary>The real server, as <see cref="GreeterHost.Build"/> builds it.</summary>
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
    /// The project's server runs with its shipped configuration except: a free port, Warning logs, and no publish
    /// rate limit (every benchmark client is 127.0.0.1, one caller to the limiter).
    /// </summary>
    public static readonly string[] ProjectArgs =
    [
        "--urls", "http://127.0.0.1:0",
        "--Web:Urls=",
        "--Serilog:MinimumLevel:Default=Warning",
        "--Serilog:MinimumLevel:Override:Microsoft.Hosting.Lifetime=Warning",
        "--Greeter:PublishesPerSecond=0",
    ];

    public static async Task<BenchServer> StartAsync(ServerKind kind, params string[] extraArgs)
    {
        var app = kind == ServerKind.Project ? GreeterHost.Build([.. ProjectArgs, .. extraArgs]) : BuildBare();
        await app.StartAsync();
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
