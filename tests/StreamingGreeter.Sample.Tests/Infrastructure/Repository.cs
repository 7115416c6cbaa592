using System.Reflection;

namespace StreamingGreeter.Sample.Tests.Infrastructure;

/// <summary>The repository the test was built from: the sources it packs and the sample it copies.</summary>
public static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string Solution => Path.Combine(Root, "StreamingGreeter.sln");

    /// <summary>The folder that holds the samples' own Directory.Build.props and friends.</summary>
    public static string Samples => Path.Combine(Root, "samples");

    public static string Sample => Path.Combine(Samples, "StreamingGreeter.Sample");

    /// <summary>The library packages, as the solution names their projects.</summary>
    public static IReadOnlyList<string> Libraries { get; } =
    [
        "StreamingGreeter.Contracts",
        "StreamingGreeter.Hub",
        "StreamingGreeter.AspNetCore",
        "StreamingGreeter.Hub.Redis",
    ];

    private static string FindRoot()
    {
        var root = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == "RepositoryRoot")?.Value;
        if (string.IsNullOrEmpty(root) || !File.Exists(Path.Combine(root, "StreamingGreeter.sln")))
        {
            throw new InvalidOperationException($"the repository root recorded at build time ('{root}') has no StreamingGreeter.sln");
        }

        return root;
    }
}
