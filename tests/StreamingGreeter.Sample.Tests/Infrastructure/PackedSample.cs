using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Net.Client;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Sample.Tests.Infrastructure;

/// <summary>
/// samples/StreamingGreeter.Sample as a user builds it: the libraries packed into a folder of their own, the sample
/// copied out of the repository, restored from that folder and nuget.org, built and run on an ephemeral loopback port.
/// Everything lives in one temporary folder, deleted at the end.
/// </summary>
public sealed partial class PackedSample : IAsyncLifetime
{
    /// <summary>Packing builds four projects in Release; restore may have to fetch from nuget.org on a cold cache.</summary>
    private static readonly TimeSpan PackTimeout = TimeSpan.FromMinutes(2.5);

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(2);

    /// <summary>From start to Kestrel listening, on a machine that may be busy building other things.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>What the sample's nuget.config names as the folder of the packed packages; the copy points elsewhere.</summary>
    private const string FeedPlaceholder = "../../artifacts/packages";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "streaminggreeter-sample-" + Guid.NewGuid().ToString("N"));
    private ChildProcess? _app;
    private GrpcChannel? _channel;

    /// <summary>
    /// A version no earlier run used: the sample restores into a packages folder of its own, but falls back to the
    /// machine's, where an earlier run's packages of the same version would stand in for the fresh ones.
    /// </summary>
    public string Version { get; } = "1.0.0-test." + DateTime.UtcNow.Ticks.ToString(CultureInfo.InvariantCulture);

    /// <summary>Where the packages are: the sample's package source.</summary>
    public string Feed => Path.Combine(_root, "feed");

    /// <summary>What <c>dotnet pack</c> printed.</summary>
    public string PackOutput { get; private set; } = "";

    public string Address { get; private set; } = "";

    public Greeter.GreeterClient Client { get; private set; } = null!;

    /// <summary>Everything the sample printed, for failure messages.</summary>
    public string Transcript => _app?.Transcript ?? "(not started)";

    public string PackagePath(string id) => Path.Combine(Feed, $"{id}.{Version}.nupkg");

    public async Task InitializeAsync()
    {
        try
        {
            await StartAsync();
        }
        catch
        {
            // What was started and written so far goes, whether or not the runner disposes a fixture that failed.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        _channel = null;
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private async Task StartAsync()
    {
        Directory.CreateDirectory(_root);
        PackOutput = await PackLibrariesAsync();
        var project = CopySample();
        var app = await BuildAsync(project);

        _app = ChildProcess.Start(
            ProgramPaths.Dotnet,
            [
                Path.Combine(app, "StreamingGreeter.Sample.dll"),
                "--urls", "http://127.0.0.1:0",
                // Its appsettings.json, as when it is run from its folder.
                "--contentRoot", Path.GetDirectoryName(project)!,
                // Ticks close together, so a test waits a fraction of a second for two.
                "--Clock:Interval=00:00:00.200",
            ],
            new Dictionary<string, string?>
            {
                ["ASPNETCORE_URLS"] = null,
                ["DOTNET_URLS"] = null,
                ["ASPNETCORE_ENVIRONMENT"] = null,
                ["DOTNET_ENVIRONMENT"] = null,
            });
        Address = await ListeningAddressAsync(_app);
        _channel = GrpcChannel.ForAddress(Address);
        Client = new Greeter.GreeterClient(_channel);
    }

    private async Task<string> PackLibrariesAsync()
    {
        // The four library projects of the solution, packed in one build.
        var filter = Path.Combine(_root, "libraries.slnf");
        await File.WriteAllTextAsync(filter, JsonSerializer.Serialize(new
        {
            solution = new
            {
                path = Repository.Solution,
                projects = Repository.Libraries.Select(static name => $"src/{name}/{name}.csproj").ToArray(),
            },
        }));

        return await DotnetCommand.RunAsync(
            [
                "pack", filter,
                "--configuration", "Release",
                "--output", Feed,
                // Its own bin and obj: nothing of the repository's build output is used, and none is changed.
                "--artifacts-path", Path.Combine(_root, "artifacts"),
                "-p:VersionSuffix=" + Version["1.0.0-".Length..],
                // Symbol packages are not what the sample restores.
                "-p:IncludeSymbols=false",
            ],
            PackTimeout);
    }

    /// <summary>Copies the sample, with the samples folder's Directory.*.props above it, as they are in the repository.</summary>
    private string CopySample()
    {
        var samples = Path.Combine(_root, "samples");
        Directory.CreateDirectory(samples);
        foreach (var file in Directory.GetFiles(Repository.Samples, "Directory.*"))
        {
            File.Copy(file, Path.Combine(samples, Path.GetFileName(file)));
        }

        var sample = Path.Combine(samples, "StreamingGreeter.Sample");
        CopyDirectory(Repository.Sample, sample);

        var config = Path.Combine(sample, "nuget.config");
        var text = File.ReadAllText(config);
        Assert.True(text.Contains($"value=\"{FeedPlaceholder}\"", StringComparison.Ordinal), $"the sample's nuget.config names no {FeedPlaceholder} source:\n{text}");
        File.WriteAllText(config, text.Replace(FeedPlaceholder, Feed, StringComparison.Ordinal));
        return Path.Combine(sample, "StreamingGreeter.Sample.csproj");
    }

    private async Task<string> BuildAsync(string project)
    {
        var output = Path.Combine(_root, "app");
        List<string> arguments =
        [
            "build", project,
            "--output", output,
            "-p:StreamingGreeterVersion=" + Version,
            // This run's packages stay in its temporary folder, not in the machine's packages folder.
            "-p:RestorePackagesPath=" + Path.Combine(_root, "packages"),
        ];

        // Everything else is taken from the machine's packages folder where it is there already, rather than downloaded again.
        var machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        if (Directory.Exists(machinePackages))
        {
            arguments.Add("-p:RestoreFallbackFolders=" + machinePackages);
        }

        await DotnetCommand.RunAsync(arguments, BuildTimeout);
        return output;
    }

    private static async Task<string> ListeningAddressAsync(ChildProcess app)
    {
        // Each wait on the log is bounded by the default timeout; start-up on a busy machine may take longer than one.
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            try
            {
                var index = await app.Output.WaitForAsync(line => ListeningLine().IsMatch(line), "Kestrel's \"Now listening on\" line");
                return ListeningLine().Match(app.Output.Lines[index]).Groups[1].Value;
            }
            catch (TimeoutException) when (DateTime.UtcNow < deadline)
            {
                // Still starting.
            }
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            var name = Path.GetFileName(directory);
            // A build in the repository leaves these; the copy builds from nothing, as a fresh clone would.
            if (name is not ("bin" or "obj"))
            {
                CopyDirectory(directory, Path.Combine(to, name));
            }
        }
    }

    // "      Now listening on: http://127.0.0.1:41234", from Microsoft.Hosting.Lifetime.
    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
