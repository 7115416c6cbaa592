using System.Net;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;
using StreamingGreeter.AspNetCore.Web;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Tests.Web;

/// <summary>
/// An app that embeds the Greeter and its web routes as any ASP.NET Core app would: AddStreamingGreeter().AddWeb(),
/// a gRPC endpoint (HTTP/2) and a web endpoint (HTTP/1.1 and HTTP/2), each on a free loopback port.
/// </summary>
public sealed class WebServer : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private bool _stopped;

    private WebServer(WebApplication app, Uri grpcAddress, Uri webAddress)
    {
        App = app;
        GrpcAddress = grpcAddress;
        WebAddress = webAddress;
        _channel = GrpcChannel.ForAddress(grpcAddress);
        Client = new Greeter.GreeterClient(_channel);
        Http = new HttpClient { BaseAddress = webAddress, Timeout = Timeout.InfiniteTimeSpan };
        Logs = app.Services.GetRequiredService<LogCapture>();
    }

    public WebApplication App { get; }

    public Uri GrpcAddress { get; }

    public Uri WebAddress { get; }

    public Greeter.GreeterClient Client { get; }

    /// <summary>A client of the web endpoint (HTTP/1.1, as a browser's EventSource).</summary>
    public HttpClient Http { get; }

    public InMemoryBroadcastHub Hub => App.Services.GetRequiredService<InMemoryBroadcastHub>();

    /// <summary>Everything the app logged, at every level; kept, as it is read after the app is disposed.</summary>
    public LogCapture Logs { get; }

    /// <summary>
    /// Starts the app. <paramref name="settings"/> are configuration, e.g. "Hub:SubscriberBufferCapacity=16", in the
    /// sections an app would bind (Greeter, Hub, Auth, Web); Auth:Mode=Jwt turns tokens on.
    /// </summary>
    public static Task<WebServer> StartAsync(params string[] settings) => StartAsync(static _ => { }, settings);

    /// <summary>Starts the app with <paramref name="services"/> registered last, e.g. a test clock.</summary>
    public static async Task<WebServer> StartAsync(Action<IServiceCollection> services, params string[] settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings.Select(static setting => setting.Split('=', 2)).Select(static pair => KeyValuePair.Create(pair[0], (string?)pair[1])));
        var capture = new LogCapture();
        builder.Logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(capture);
        builder.Services.AddSingleton(capture);

        ListenOptions? web = null;
        ListenOptions? grpc = null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                grpc = listen;
            });
            kestrel.Listen(IPAddress.Loopback, 0, listen =>
            {
                listen.UseStreamingGreeterWeb();
                web = listen;
            });
        });

        var greeter = builder.Services.AddStreamingGreeter();
        builder.Services.Configure<StreamingGreeterOptions>(builder.Configuration.GetSection("Greeter"));
        builder.Services.Configure<BroadcastHubOptions>(builder.Configuration.GetSection("Hub"));
        if (builder.Configuration["Auth:Mode"] == nameof(AuthMode.Jwt))
        {
            greeter.AddJwtAuthentication(auth => builder.Configuration.GetSection("Auth").Bind(auth));
        }

        greeter.AddWeb(options => builder.Configuration.GetSection(StreamingGreeterWebOptions.SectionName).Bind(options));
        greeter.AddHttpApi();
        services(builder.Services);

        var app = builder.Build();
        app.UseCors();
        app.MapStreamingGreeterWeb();
        app.MapStreamingGreeter();
        try
        {
            await app.StartAsync().DefaultTimeout();
            return new WebServer(app, Address(grpc!), Address(web!));
        }
        catch
        {
            await app.DisposeAsync().DefaultTimeout();
            throw;
        }
    }

    /// <summary>Opens <paramref name="path"/> on the web endpoint and returns once the response headers are in.</summary>
    public async Task<EventStream> OpenAsync(string path, Action<HttpRequestMessage>? request = null, HttpClient? client = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, path);
        message.Headers.Accept.ParseAdd("text/event-stream");
        request?.Invoke(message);
        var response = await (client ?? Http).SendAsync(message, HttpCompletionOption.ResponseHeadersRead).DefaultTimeout();
        return await EventStream.OpenAsync(response);
    }

    public async Task<PublishReply> PublishAsync(string room, string text, string sender = "pub") =>
        await Client.PublishAsync(new PublishRequest { Room = room, Sender = sender, Text = text }).ResponseAsync.DefaultTimeout();

    /// <summary>Stops the app (as a signal would); returns when it has stopped.</summary>
    public async Task StopAsync()
    {
        _stopped = true;
        await App.StopAsync().DefaultTimeout(TimeSpan.FromSeconds(30));
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        _channel.Dispose();
        if (!_stopped)
        {
            await StopAsync();
        }

        await App.DisposeAsync().DefaultTimeout();

        // As TestServer: a client going away is not an error of the server's, and what a test expects it declares.
        if (Logs.UnexpectedErrors is { Count: > 0 } errors)
        {
            throw new InvalidOperationException($"The app logged {errors.Count} event(s) at Error or above that the test did not expect:{Environment.NewLine}{string.Join(Environment.NewLine, errors)}");
        }
    }

    private static Uri Address(ListenOptions listen) => new($"http://127.0.0.1:{listen.IPEndPoint!.Port}");
}
