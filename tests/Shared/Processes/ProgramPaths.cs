using System.Reflection;

namespace StreamingGreeter.Tests;

/// <summary>
/// Where the built server and client are, and the dotnet host that runs them. A test project that runs a program
/// without referencing its assembly records the path at build time ([AssemblyMetadata], see the Client tests'
/// .csproj); one that references the server's assembly has it next to its own.
/// </summary>
public static class ProgramPaths
{
    private static readonly Lazy<string> ServerPath = new(() => Find("GreeterServerAssembly", "StreamingGreeter.Server.dll"));
    private static readonly Lazy<string> ClientPath = new(() => Find("GreeterClientAssembly", "greeter.dll"));

    public static string Server => ServerPath.Value;

    public static string Client => ClientPath.Value;

    /// <summary>The dotnet host the test itself runs under, so the programs run on the same runtime.</summary>
    public static string Dotnet { get; } = FindDotnet();

    private static string Find(string key, string fileName)
    {
        var path = typeof(ProgramPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path))
        {
            path = Path.Combine(AppContext.BaseDirectory, fileName);
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{fileName} not built (expected at '{path}'): build the test project, which references it");
        }

        return path;
    }

    private static string FindDotnet()
    {
        // Set by the dotnet CLI for the processes it starts; the test host itself usually runs under dotnet too.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        var self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
