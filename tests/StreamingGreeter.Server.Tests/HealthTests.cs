using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace StreamingGreeter.Server.Tests;

/// <summary>The host's health and reflection services, next to the Greeter on its port.</summary>
public sealed class HealthTests
{
    [Fact]
    public async Task HealthCheck_AfterStart_Serving()
    {
        await using var server = await GreeterServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        var health = new Health.HealthClient(channel);

        var whole = await health.CheckAsync(new HealthCheckRequest { Service = "" }).ResponseAsync.DefaultTimeout();
        var greeter = await health.CheckAsync(new HealthCheckRequest { Service = "helloworld.Greeter" }).ResponseAsync.DefaultTimeout();

        Assert.Equal(ServingStatus.Serving, whole.Status);
        Assert.Equal(ServingStatus.Serving, greeter.Status);
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }

    [Fact]
    public async Task HealthWatch_Sigterm_ReportsNotServingThenEndsUnavailable()
    {
        await using var server = await GreeterServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var watch = new Health.HealthClient(channel).Watch(new HealthCheckRequest { Service = "helloworld.Greeter" });
        Assert.Equal(ServingStatus.Serving, (await watch.ResponseStream.ReadNextAsync()).Status);

        server.Terminate();
        var next = await watch.ResponseStream.ReadNextAsync();
        var end = await watch.ResponseStream.ReadUntilErrorAsync();
        var exitCode = await server.WaitForExitAsync();

        Assert.Equal(ServingStatus.NotServing, next.Status);
        // A load balancer's watch does not hold the shutdown: it ends as the Greeter's own streams do.
        Assert.Equal(StatusCode.Unavailable, end.StatusCode);
        Assert.Contains("shutting down", end.Status.Detail, StringComparison.Ordinal);
        Assert.True(exitCode == 0, server.Transcript);
        server.AssertNoErrorLogs();
    }

    [Fact]
    public async Task ServerReflection_ListServices_IncludesGreeterAndHealth()
    {
        await using var server = await GreeterServer.StartAsync();
        using var channel = GrpcChannel.ForAddress(server.Address);
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        var response = await call.ResponseStream.ReadNextAsync();
        await call.RequestStream.CompleteAsync().DefaultTimeout();
        await call.ResponseStream.ReadToEndAsync();

        var names = response.ListServicesResponse.Service.Select(static s => s.Name).ToList();
        Assert.Contains("helloworld.Greeter", names);
        Assert.Contains("grpc.health.v1.Health", names);
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }

    [Fact]
    public async Task HealthAndReflection_JwtModeNoToken_StayOpen()
    {
        await using var server = await GreeterServer.StartAsync(
            0,
            "--Auth:Mode=Jwt",
            "--Auth:Issuer=https://issuer.test",
            "--Auth:Audience=streaming-greeter",
            "--Auth:SigningKey=a test secret that is long enough for HS256");
        using var channel = GrpcChannel.ForAddress(server.Address);

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "helloworld.Greeter" }).ResponseAsync.DefaultTimeout();
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" }).DefaultTimeout();
        var listed = await reflection.ResponseStream.ReadNextAsync();
        await reflection.RequestStream.CompleteAsync().DefaultTimeout();
        var publish = await server.Client.PublishAsync(new Protos.PublishRequest { Room = Rooms.Unique(), Text = "x" }).ResponseAsync.ThrowsRpcAsync();

        Assert.Equal(ServingStatus.Serving, health.Status);
        Assert.Contains("helloworld.Greeter", listed.ListServicesResponse.Service.Select(static s => s.Name));
        // The Greeter itself is closed without a token: the mode is on.
        Assert.Equal(StatusCode.Unauthenticated, publish.StatusCode);
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }
}
