using System.Collections.Concurrent;
using System.Net;
using Grpc.Net.Client;
using Grpc.Net.Client.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>
/// An app embedding the library as its users would, not the standalone host: AddStreamingGreeter with the web routes
/// (server-sent events), the HTTP API, gRPC-Web and the page. Like the standalone host, it has a web endpoint speaking HTTP/1.1 and HTTP/2 and an endpoint
/// for classic gRPC, HTTP/2 only: without TLS, Kestrel speaks HTTP/2 with prior knowledge only on such an endpoint.
/// </summary>
public sealed class WebApp : IAsyncDisposable
{
    private readonly List<IDisposable> _clients = [];

    private WebApp(WebApplication app, Uri address, Uri grpcAddress)
    {
        App = app;
        Address = address;
        GrpcAddress = grpcAddress;
    }

    public WebApplication App { get; }

    /// <summary>The web endpoint: HTTP/1.1 and HTTP/2.</summary>
    public Uri Address { get; }

    /// <summary>The classic gRPC endpoint: HTTP/2 only.</summary>
    public Uri GrpcAddress { get; }

    public int Port => Address.Port;

    /// <summary>Every request the app received: its protocol, content type and path, in arrival order.</summary>
    public ConcurrentQueue<(string Protocol, string? ContentType, string Path)> Requests { get; } = new();

    /// <summary>
    /// Starts the app on <paramref name="port"/> (0: any free one). <paramref name="hub"/>, when given, is the
    /// app's hub and outlives it, so a restarted app continues the same rooms and epochs.
    /// </summary>
    public static async Task<WebApp> StartAsync(
        Action<IStreamingGreeterBuilder>? greeter = null, IBroadcastHub? hub = null, int port = 0)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, port, static listen => listen.UseStreamingGreeterWeb());
            kestrel.Listen(IPAddress.Loopback, 0, static listen => listen.Protocols = HttpProtocols.Http2);
        });
        if (hub is not null)
        {
            // Registered first, so AddStreamingGreeter keeps it; a registered instance is not disposed with the app.
            builder.Services.AddSingleton(hub);
        }

        var registration = builder.Services.AddStreamingGreeter().AddWeb().AddHttpApi();
        greeter?.Invoke(registration);

        var app = builder.Build();
        WebApp? web = null;
        app.Use((context, next) =>
        {
            web?.Requests.Enqueue((context.Request.Protocol, context.Request.ContentType, context.Request.Path));
            return next(context);
        });
        app.UseCors();
        app.UseGrpcWeb();
        app.MapStreamingGreeter().EnableGrpcWebForBrowsers();
        app.MapStreamingGreeterWeb();
        app.MapStreamingGreeterPage();
        try
        {
            await app.StartAsync().DefaultTimeout();
        }
        catch
        {
            await app.DisposeAsync().DefaultTimeout();
            throw;
        }

        // In the order the endpoints were configured.
        var addresses = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.ToArray();
        web = new WebApp(app, new Uri(addresses[0]), new Uri(addresses[1]));
        return web;
    }

    /// <summary>A classic gRPC client: HTTP/2 with prior knowledge.</summary>
    public Greeter.GreeterClient GrpcClient() => new(Track(GrpcChannel.ForAddress(GrpcAddress)));

    /// <summary>A gRPC-Web client over HTTP/1.1, as a browser's would be.</summary>
    public Greeter.GreeterClient GrpcWebClient(GrpcWebMode mode)
    {
        var options = new GrpcChannelOptions
        {
            HttpHandler = new GrpcWebHandler(mode, new HttpClientHandler()),
            HttpVersion = HttpVersion.Version11,
            HttpVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        return new(Track(GrpcChannel.ForAddress(Address, options)));
    }

    /// <summary>A plain HTTP/1.1 client, as curl would be.</summary>
    public HttpClient HttpClient() => Track(new HttpClient { BaseAddress = Address, Timeout = TimeoutExtensions.Timeout });

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.StopAsync().DefaultTimeout();
        await App.DisposeAsync().DefaultTimeout();
    }

    private T Track<T>(T client)
        where T : IDisposable
    {
        _clients.Add(client);
        return client;
    }
}
