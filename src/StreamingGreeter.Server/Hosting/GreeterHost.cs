using Grpc.HealthCheck;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Serilog;
using Serilog.Events;
using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Redis;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Web;

namespace StreamingGreeter.Server.Hosting;

/// <summary>The standalone server: the Greeter, health and reflection on Kestrel, logging through Serilog.</summary>
internal static class GreeterHost
{
    /// <summary>Where the server listens when neither configuration, environment nor command line says.</summary>
    public const string DefaultUrl = "http://localhost:50051";

    /// <summary>
    /// How long a shutdown waits for calls to end before Kestrel aborts the connections still open. The service's own
    /// streams end with their status as soon as shutdown begins; what is left then is a client that stopped reading
    /// or keeps its request open, and nothing it could still receive is worth the wait.
    /// </summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(1.5);

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings*.json are copied next to the executable; find them wherever it is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });

        builder.Services.AddSerilog((services, logger) => logger
            // While this category is enabled at any level, ASP.NET Core starts an Activity and a logging scope for
            // every request (every gRPC call), whether or not anything is logged. Its events are the per-request
            // "Request starting/finished" lines and start-up failures, which reach Program as exceptions anyway.
            // Off unless configuration turns it back on (Serilog:MinimumLevel:Override).
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Filter.With(new DisconnectLogFilter(
                services.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value.ConnectionWarningInterval,
                services.GetRequiredService<TimeProvider>()))
            .Enrich.FromLogContext(),
            // Each host keeps its own logger. Serilog's default would make it the static Log.Logger, so two hosts in
            // one process (an embedding app's, tests, benchmarks) would write to whichever started last, and the
            // first one disposed would silence the others.
            preserveStaticLogger: true);

        var web = WebListener.Add(builder, DefaultUrl);
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint =>
        {
            // gRPC without TLS needs HTTP/2 with prior knowledge; configuration may still override per endpoint.
            endpoint.Protocols = HttpProtocols.Http2;
            // Defaults apply to every endpoint, Kestrel:Endpoints ones included, before any TLS is added: the guard
            // sees each connection first, and counts and times TLS handshakes too.
            endpoint.UseStreamingGreeterConnectionLimits();
        }));
        // Kestrel's own configuration loader reads endpoints and certificates, not limits (keepalive pings among them).
        builder.Services.Configure<KestrelServerOptions>(kestrel => builder.Configuration.GetSection("Kestrel:Limits").Bind(kestrel.Limits));

        var greeter = builder.Services.AddStreamingGreeter().BindConfiguration(builder.Configuration).AddHttpApi();

        if (web is not null)
        {
            greeter.AddWeb();
            builder.Services.Configure<StreamingGreeterWebOptions>(builder.Configuration.GetSection(StreamingGreeterWebOptions.SectionName));
        }

        AddBackplane(builder);
        builder.Services.Configure<HostOptions>(static host => host.ShutdownTimeout = DefaultShutdownTimeout);
        builder.Services.Configure<HostOptions>(builder.Configuration.GetSection("HostOptions"));
        builder.Services.AddGrpcReflection();
        builder.Services.AddSingleton<StoppingHealthService>();
        builder.Services.AddSingleton<HealthServiceImpl>(static sp => sp.GetRequiredService<StoppingHealthService>());
        builder.Services.AddHostedService<HealthStatusService>();

        AddPrometheusEndpoint(builder);
        configure?.Invoke(builder);

        var app = builder.Build();
        // Created now rather than on the first call, so its gauges are there from the first scrape.
        app.Services.GetRequiredService<IBroadcastHub>();
        app.UseGrpcWeb();
        if (web is not null)
        {
            app.UseCors();
            app.MapStreamingGreeterWeb();
            app.MapStreamingGreeterPage();
        }

        app.MapStreamingGreeter().EnableGrpcWebForBrowsers();
        app.MapGrpcService<StoppingHealthService>();
        app.MapGrpcReflectionService();

        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            app.Logger.LogInformation("StreamingGreeter listening on {Addresses}", string.Join(", ", addresses.Where(address => web?.IsWebAddress(address) != true)));
            if (web is not null)
            {
                app.Logger.LogInformation("StreamingGreeter web endpoint on {Addresses}", string.Join(", ", addresses.Where(web.IsWebAddress)));
            }

            foreach (var address in PlaintextBinding.ReachableWithoutTls(addresses))
            {
                HostLog.PlaintextOnNetwork(app.Logger, address);
            }
        });

        return app;
    }

    /// <summary>Hub:Backplane: InMemory (the default, one server) or Redis (several servers sharing rooms, Hub:Redis:*).</summary>
    private static void AddBackplane(WebApplicationBuilder builder)
    {
        var backplane = builder.Configuration["Hub:Backplane"];
        if (string.IsNullOrEmpty(backplane) || string.Equals(backplane, "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (!string.Equals(backplane, "Redis", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Hub:Backplane \"{backplane}\" is not a backplane: use InMemory (the default) or Redis");
        }

        builder.Services.AddRedisBroadcastHub();
        builder.Services.Configure<RedisBroadcastHubOptions>(builder.Configuration.GetSection("Hub:Redis"));
    }

    /// <summary>Metrics:PrometheusUrl (off by default) serves the StreamingGreeter meter for scraping on its own HTTP/1.1 listener.</summary>
    private static void AddPrometheusEndpoint(WebApplicationBuilder builder)
    {
        var url = builder.Configuration["Metrics:PrometheusUrl"];
        if (string.IsNullOrEmpty(url))
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new InvalidOperationException($"Metrics:PrometheusUrl \"{url}\" must be an absolute http:// URL, e.g. http://127.0.0.1:9464/metrics");
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("StreamingGreeter"))
            .WithMetrics(metrics => metrics
            .AddMeter(HubMetrics.MeterName)
            .AddPrometheusHttpListener(listener =>
            {
                listener.Host = uri.Host;
                listener.Port = uri.Port;
                listener.ScrapeEndpointPath = uri.AbsolutePath == "/" ? "/metrics" : uri.AbsolutePath;
            }));
    }
}
