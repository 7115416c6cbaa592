using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StreamingGreeter.Protos;
using StreamingGreeter.AspNetCore.Security;
using StreamingGreeter.AspNetCore.Tests.Infrastructure;

namespace StreamingGreeter.AspNetCore.Tests;

/// <summary>An app embedding the Greeter turns tokens on through its registration, without the standalone host.</summary>
public sealed class EmbeddingAuthTests
{
    [Fact]
    public async Task AddJwtAuthentication_InOwnApp_RequiresTokensAndTakesTheSenderFromThem()
    {
        await using var app = Build(services => services.AddStreamingGreeter().AddJwtAuthentication(auth =>
        {
            auth.Issuer = TestTokens.Issuer;
            auth.Audience = TestTokens.Audience;
            auth.SigningKey = TestTokens.Secret;
        }));
        await app.StartAsync().DefaultTimeout();
        using var channel = GrpcChannel.ForAddress(Address(app));
        var client = new Greeter.GreeterClient(channel);
        var room = Rooms.Unique();

        var refused = await client.PublishAsync(new PublishRequest { Room = room, Sender = "bob", Text = "x" }).ResponseAsync.ThrowsRpcAsync();
        var spoofed = await client.PublishAsync(new PublishRequest { Room = room, Sender = "bob", Text = "x" }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.ThrowsRpcAsync();
        var reply = await client.PublishAsync(new PublishRequest { Room = room, Text = "x" }, TestTokens.Call(TestTokens.ForRooms("ann", room))).ResponseAsync.DefaultTimeout();

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, spoofed.StatusCode);
        Assert.Equal(1, reply.Sequence);
        await app.StopAsync().DefaultTimeout();
    }

    [Fact]
    public async Task JwtModeWithoutAddJwtAuthentication_FailsAtStartSayingWhatToCall()
    {
        await using var app = Build(services => services.AddStreamingGreeter().Services.Configure<GreeterAuthOptions>(auth =>
        {
            auth.Mode = AuthMode.Jwt;
            auth.Issuer = TestTokens.Issuer;
            auth.Audience = TestTokens.Audience;
            auth.SigningKey = TestTokens.Secret;
        }));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync().DefaultTimeout());

        Assert.Contains("call AddStreamingGreeter().AddJwtAuthentication()", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(Action<IServiceCollection> configure)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http2));
        configure(builder.Services);
        var app = builder.Build();
        app.MapStreamingGreeter();
        return app;
    }

    private static Uri Address(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
}
