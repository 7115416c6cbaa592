namespace StreamingGreeter.Sample.Tests.Infrastructure;

/// <summary>Runs the dotnet CLI (pack, build) to its end, bounded, and fails with everything it printed.</summary>
public static class DotnetCommand
{
    /// <summary>
    /// Set by the CLI that started the test host, for its own MSBuild; a nested dotnet works them out itself, for the
    /// SDK it chooses.
    /// </summary>
    private static readonly string[] InheritedBuildVariables =
        ["MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly"];

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>; returns its standard output once it exited with 0.</summary>
    public static async Task<string> RunAsync(IEnumerable<string> arguments, TimeSpan timeout)
    {
        // No build servers: an MSBuild node or compiler server left running would keep the output pipes open, and the
        // command's output would never end.
        string[] command = [.. arguments, "--disable-build-servers", "-nologo"];
        var environment = InheritedBuildVariables.ToDictionary(name => name, _ => (string?)null);
        environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        await using var process = ChildProcess.Start(ProgramPaths.Dotnet, command, environment);
        process.Input.Close();
        var exitCode = await process.WaitForExitAsync(timeout);
        Assert.True(exitCode == 0, $"dotnet {string.Join(' ', command)} exited with {exitCode}\n{process.Transcript}");
        return process.Output.Text;
    }
}
