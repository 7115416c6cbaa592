using StreamingGreeter.Protos;

namespace StreamingGreeter.Server.Tests;

/// <summary>
/// ASP.NET Core starts an Activity and a logging scope for every request while its hosting diagnostics category is
/// enabled at any level; the host keeps that category off, so a gRPC call does not pay for them.
/// </summary>
public sealed class HostingOverheadTests
{
    private const string HostingDiagnostics = "Microsoft.AspNetCore.Hosting.Diagnostics";

    // What that category logs for each request, once enabled at Information.
    private const string RequestStarting = "Request starting HTTP/2 POST";

    [Fact]
    public async Task HostingDiagnostics_EveryOtherCategoryVerbose_StillOff()
    {
        await using var server = await GreeterServer.StartAsync(0, "--Serilog:MinimumLevel:Default=Verbose", "--Serilog:MinimumLevel:Override:Microsoft=Verbose");
        await server.Client.SayHelloAsync(new HelloRequest { Name = "Ada" }).ResponseAsync.DefaultTimeout();

        await server.StopAsync();

        // The log is live at Verbose: Kestrel's per-connection lines are there, the per-request ones are not.
        Assert.Contains(server.Log.Lines, static line => line.Contains("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal));
        Assert.DoesNotContain(server.Log.Lines, static line => line.Contains(HostingDiagnostics, StringComparison.Ordinal));
        server.AssertNoErrorLogs();
    }

    [Fact]
    public async Task HostingDiagnostics_OverriddenInConfiguration_LogsEachRequest()
    {
        await using var server = await GreeterServer.StartAsync(0, $"--Serilog:MinimumLevel:Override:{HostingDiagnostics}=Information");

        await server.Client.SayHelloAsync(new HelloRequest { Name = "Ada" }).ResponseAsync.DefaultTimeout();

        await server.Log.WaitForAsync(static line => line.Contains(RequestStarting, StringComparison.Ordinal) && line.Contains("/helloworld.Greeter/SayHello", StringComparison.Ordinal), "the request's line");
        await server.StopAsync();
        server.AssertNoErrorLogs();
    }
}
