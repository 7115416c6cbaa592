using Microsoft.Extensions.Configuration;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Services;
using StreamingGreeter.Hub;
using StreamingGreeter.Hub.Redis;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>What AddStreamingGreeter and the backplane register, as an app embedding them sees it.</summary>
public sealed class RegistrationTests
{
    [Fact]
    public async Task AddStreamingGreeter_CalledTwice_AdmitsExactlyMaxStreamsPerConnection()
    {
        const int Limit = 3;
        await using var app = Build(services =>
        {
            services.AddStreamingGreeter(greeter => greeter.MaxStreamsPerConnection = Limit);
            services.AddStreamingGreeter();
        });

        await AssertAdmitsExactlyAsync(app, Limit);
    }

    [Fact]
    public async Task AddStreamingGreeter_StreamLimitAboveKestrelsDefault_RefusedByTheServiceWithItsStatus()
    {
        // Kestrel admits 100 streams per connection unless told otherwise; the library raises that above its own limit.
        const int Limit = 110;
        await using var app = Build(services => services.AddStreamingGreeter(greeter => greeter.MaxStreamsPerConnection = Limit));

        await AssertAdmitsExactlyAsync(app, Limit);
    }

    [Fact]
    public void BindConfiguration_Sections_BoundAndJwtTurnedOn()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Greeter:MaxStreamsPerConnection"] = "7",
            ["Hub:HistorySize"] = "5",
            ["Auth:Mode"] = "Jwt",
            ["Auth:Issuer"] = "https://issuer.example",
            ["Auth:Audience"] = "greeter",
            ["Auth:SigningKey"] = new string('k', 64),
        }).Build();
        var services = new ServiceCollection();
        services.AddLogging();

        services.AddStreamingGreeter().BindConfiguration(configuration);
        using var provider = services.BuildServiceProvider();

        Assert.Equal(7, provider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value.MaxStreamsPerConnection);
        Assert.Equal(5, provider.GetRequiredService<IOptions<BroadcastHubOptions>>().Value.HistorySize);
        var auth = provider.GetRequiredService<IOptionsMonitor<GreeterAuthOptions>>().Get(Options.DefaultName);
        Assert.Equal(("https://issuer.example", AuthMode.Jwt), (auth.Issuer, auth.Mode));
        Assert.Equal(
            [typeof(GreeterCallInterceptor), typeof(AuthInterceptor)],
            provider.GetRequiredService<IOptions<GrpcServiceOptions<GreeterService>>>().Value.Interceptors.Select(static i => i.Type));
    }

    /// <summary>Opens <paramref name="limit"/> Subscribe streams on one connection; the next is refused by the service.</summary>
    private static async Task AssertAdmitsExactlyAsync(WebApplication app, int limit)
    {
        await app.StartAsync().DefaultTimeout();
        // One HTTP/2 connection, so every call below shares it.
        using var channel = GrpcChannel.ForAddress(Address(app), new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler() });
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();
        var open = new List<AsyncServerStreamingCall<ChatEvent>>();
        try
        {
            for (var i = 0; i < limit; i++)
            {
                var call = client.Subscribe(new SubscribeRequest { Room = room });
                open.Add(call);
                // Headers come once the subscription is registered: this stream was admitted.
                await call.ResponseHeadersAsync.DefaultTimeout();
            }

            using var refused = client.Subscribe(new SubscribeRequest { Room = room });
            var error = await refused.ResponseStream.ReadUntilErrorAsync();

            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.Contains($"{limit} open streaming calls", error.Status.Detail, StringComparison.Ordinal);
            Assert.Equal(limit, app.Services.GetRequiredService<InMemoryBroadcastHub>().SubscriberCount);
        }
        finally
        {
            foreach (var call in open)
            {
                call.Dispose();
            }
        }

        await app.StopAsync().DefaultTimeout();
    }

    [Fact]
    public void AddStreamingGreeter_CalledTwice_RegistersEachServiceOnce()
    {
        var once = new ServiceCollection();
        once.AddStreamingGreeter();
        var twice = new ServiceCollection();
        twice.AddStreamingGreeter();
        twice.AddStreamingGreeter();

        Assert.Equal(Registrations(once), Registrations(twice));
    }

    [Fact]
    public void AddStreamingGreeter_CalledAgainWithConfigure_AppliesIt()
    {
        var services = new ServiceCollection();
        services.AddStreamingGreeter(greeter => greeter.MaxStreamsPerConnection = 7);
        services.AddStreamingGreeter(greeter => greeter.PublishesPerSecond = 9);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value;

        Assert.Equal(7, options.MaxStreamsPerConnection);
        Assert.Equal(9, options.PublishesPerSecond);
    }

    [Fact]
    public void AddStreamingGreeter_CalledTwiceWithABadValue_ReportsTheFailureOnce()
    {
        var services = new ServiceCollection();
        services.AddStreamingGreeter(greeter => greeter.MaxStreamsPerConnection = 0);
        services.AddStreamingGreeter();
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<StreamingGreeterOptions>>().Value);

        Assert.Contains("MaxStreamsPerConnection", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("jwt then again")]
    [InlineData("again then jwt")]
    public async Task AddJwtAuthentication_WithAddStreamingGreeterTwice_RequiresTokensWithEachInterceptorOnce(string order)
    {
        await using var app = Build(services =>
        {
            if (order == "jwt then again")
            {
                services.AddStreamingGreeter().AddJwtAuthentication(Jwt);
                services.AddStreamingGreeter();
            }
            else
            {
                services.AddStreamingGreeter();
                services.AddStreamingGreeter().AddJwtAuthentication(Jwt);
            }
        });
        await app.StartAsync().DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(Address(app));
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();

        var refused = await client.PublishAsync(new PublishRequest { Room = room, Sender = "ann", Text = "x" }).ResponseAsync.ThrowsRpcAsync();
        var reply = await client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.DefaultTimeout();
        var interceptors = app.Services.GetRequiredService<IOptions<GrpcServiceOptions<GreeterService>>>().Value.Interceptors;

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(1, reply.Sequence);
        Assert.Equal([typeof(GreeterCallInterceptor), typeof(AuthInterceptor)], interceptors.Select(static i => i.Type));
        await app.StopAsync().DefaultTimeout();
    }

    [Fact]
    public void AddStreamingGreeter_Alone_InMemoryHubIsTheHub()
    {
        var services = new ServiceCollection();
        services.AddStreamingGreeter();
        using var provider = services.BuildServiceProvider();

        var hub = provider.GetRequiredService<IBroadcastHub>();

        Assert.Same(provider.GetRequiredService<InMemoryBroadcastHub>(), hub);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AddRedisBroadcastHub_EitherOrder_InMemoryHubNotResolvable(bool greeterFirst)
    {
        var services = new ServiceCollection();
        if (greeterFirst)
        {
            services.AddStreamingGreeter();
            services.AddRedisBroadcastHub(static redis => redis.Configuration = "127.0.0.1:6379");
        }
        else
        {
            services.AddRedisBroadcastHub(static redis => redis.Configuration = "127.0.0.1:6379");
            services.AddStreamingGreeter();
        }

        // Resolving the Redis hub would connect; what is registered is enough to tell which hub the app gets.
        using var provider = services.BuildServiceProvider();

        Assert.Null(provider.GetService<InMemoryBroadcastHub>());
        Assert.DoesNotContain(services, static service => service.ServiceType == typeof(InMemoryBroadcastHub));
        Assert.Single(services, static service => service.ServiceType == typeof(IBroadcastHub));
        Assert.Single(services, static service => service.ServiceType == typeof(RedisBroadcastHub));
    }

    private static void Jwt(GreeterAuthOptions auth)
    {
        auth.Issuer = TestTokens.Issuer;
        auth.Audience = TestTokens.Audience;
        auth.SigningKey = TestTokens.Secret;
    }

    /// <summary>How many registrations each service type has (open generics and implementations apart), in a stable order.</summary>
    private static List<string> Registrations(IServiceCollection services) =>
        [.. services
            .GroupBy(static service => $"{service.ServiceType} {service.ServiceKey} {service.ImplementationType}")
            .Select(static group => $"{group.Key} x{group.Count()}")
            .Order(StringComparer.Ordinal)];

    private static WebApplication Build(Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        configure(builder.Services);
        var app = builder.Build();
        app.MapStreamingGreeter();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
}
