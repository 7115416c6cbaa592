using System.Reflection;

namespace StreamingGreeter.Client.Tests.Infrastructure;

/// <summary>Where the built server and client assemblies are, as recorded by the test project at build time.</summary>
public static class ProgramPaths
{
    public static string Server { get; } = Find("GreeterServerAssembly");

    public static string Client { get; } = Find("GreeterClientAssembly");

    private static string Find(string key)
    {
        var path = typeof(ProgramPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value;
        if (string.IsNullOrEmpty(path) || !File.Exists(path))
        {
            throw new InvalidOperationException($"{key} not built (expected at '{path}'): build tests/StreamingGreeter.Client.Tests");
        }

        return path;
    }
}
