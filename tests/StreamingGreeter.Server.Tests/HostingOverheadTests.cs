using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StreamingGreeter.Protos;
using StreamingGreeter.Server.Tests.Infrastructure;

namespace StreamingGreeter.Server.Tests;

/// <summary>
/// ASP.NET Core starts an Activity and a logging scope for every request while its hosting diagnostics category is
/// enabled at any level; the host keeps that category off, so a gRPC call does not pay for them.
/// </summary>
public sealed class HostingOverheadTests
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    [Fact]
    public async Task HostingDiagnostics_ShippedConfiguration_DisabledAtEveryLevel()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.SayHelloAsync(new HelloRequest { Name = "Ada" }).ResponseAsync.DefaultTimeout();

        var logger = server.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger(HostingDiagnostics);

        // HostingApplicationDiagnostics tests exactly this before creating the per-request Activity and scope.
        Assert.False(logger.IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public async Task HostingDiagnostics_OverriddenInConfiguration_Enabled()
    {
        await using var server = await TestServer.StartAsync($"Serilog:MinimumLevel:Override:{HostingDiagnostics}=Information");

        var logger = server.App.Services.GetRequiredService<ILoggerFactory>().CreateLogger(HostingDiagnostics);

        Assert.True(logger.IsEnabled(LogLevel.Information));
    }
}
