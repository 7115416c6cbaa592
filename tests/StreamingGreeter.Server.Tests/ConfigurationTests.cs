using System.Text.RegularExpressions;

namespace StreamingGreeter.Server.Tests;

/// <summary>The host's configuration: its shipped appsettings, the backplane it picks, and settings it refuses at start.</summary>
public sealed partial class ConfigurationTests
{
    [Fact]
    public async Task ServerProcess_JwtWithoutIssuerAudienceOrKey_ExitsOneNamingEachKey()
    {
        await using var server = GreeterServer.StartProcess("--Auth:Mode=Jwt");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Contains("Auth:Issuer is required when Auth:Mode is Jwt", server.Transcript, StringComparison.Ordinal);
        Assert.Contains("Auth:Audience is required when Auth:Mode is Jwt", server.Transcript, StringComparison.Ordinal);
        Assert.Contains("Auth:SigningKey (an HMAC secret) or Auth:SigningKeyFile", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backplane_NeitherInMemoryNorRedis_ExitsOneNamingTheChoices()
    {
        await using var server = GreeterServer.StartProcess("--Hub:Backplane=Carrier");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Contains("Hub:Backplane \"Carrier\" is not a backplane: use InMemory (the default) or Redis", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backplane_Redis_RefusesAtStartWithoutItsConfiguration()
    {
        // Chosen, the Redis backplane validates its own section: no Hub:Redis:Configuration, no start.
        await using var server = GreeterServer.StartProcess("--Hub:Backplane=Redis");

        var exitCode = await server.WaitForExitAsync(TimeSpan.FromSeconds(20));

        Assert.True(exitCode == 1, server.Transcript);
        Assert.Contains("Hub:Redis:Configuration is required when Hub:Backplane is Redis", server.Transcript, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Appsettings_StartedFromAnotherDirectory_ShippedConfigurationApplies()
    {
        // As a service manager may start it: from a folder that holds no appsettings.json.
        var elsewhere = Directory.CreateTempSubdirectory("greeter-cwd-");
        try
        {
            await using var server = await GreeterServer.StartInDirectoryAsync(elsewhere.FullName);
            await server.StopAsync();

            // The shipped output template names each line's category, and the shipped levels let
            // Microsoft.Hosting.Lifetime through at Information while the rest of Microsoft stays at Warning.
            var started = Assert.Single(server.Log.Lines, static line => line.Contains("Application started", StringComparison.Ordinal));
            Assert.Matches(ShippedTemplate(), started);
            Assert.Contains("INF] Microsoft.Hosting.Lifetime: ", started, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Log.Lines, static line => line.Contains("DBG]", StringComparison.Ordinal));
            server.AssertNoErrorLogs();
        }
        finally
        {
            elsewhere.Delete(recursive: true);
        }
    }

    // "[12:34:56 INF] Microsoft.Hosting.Lifetime: Application started. ..."
    [GeneratedRegex(@"^\[\d\d:\d\d:\d\d [A-Z]{3}\] [\w.]+: ")]
    private static partial Regex ShippedTemplate();
}
