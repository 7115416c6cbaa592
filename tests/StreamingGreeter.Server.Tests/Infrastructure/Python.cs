using System.Diagnostics;

namespace StreamingGreeter.Server.Tests.Infrastructure;

/// <summary>
/// Debian's Python with grpcio, an independent gRPC client, and protoc to generate its stubs. Without the packages a
/// test is skipped on a developer's machine and fails in CI, where the environment must provide them.
/// </summary>
public static class Python
{
    public const string Interpreter = "/usr/bin/python3";
    private const string Protoc = "/usr/bin/protoc";
    private const string GrpcPythonPlugin = "/usr/bin/grpc_python_plugin";

    /// <summary>Debian's interpreter with Debian's modules, whatever a Python environment manager put in the environment.</summary>
    public static readonly IReadOnlyDictionary<string, string?> Environment = new Dictionary<string, string?> { ["PYTHONPATH"] = null, ["PYTHONHOME"] = null };

    public static void RequirePrerequisites()
    {
        var missing = new List<string>();
        if (!File.Exists(Interpreter) || !HasGrpc())
        {
            missing.Add($"python3-grpcio ({Interpreter} with the grpc module)");
        }

        if (!File.Exists(Protoc) || !File.Exists(GrpcPythonPlugin))
        {
            missing.Add($"protobuf-compiler-grpc ({Protoc} and {GrpcPythonPlugin})");
        }

        if (missing.Count == 0)
        {
            return;
        }

        var message = "missing prerequisites; install the Debian packages: apt-get install " + string.Join(", ", missing);
        if (string.Equals(System.Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message);
        }

        Skip.If(true, message);
    }

    /// <summary>Generates the Python messages and stubs of <paramref name="proto"/> in <paramref name="directory"/>.</summary>
    public static async Task GenerateAsync(string directory, string proto)
    {
        var generated = await RunAsync(Protoc, directory, "--python_out=.", "--grpc_out=.", $"--plugin=protoc-gen-grpc={GrpcPythonPlugin}", proto);
        Assert.True(generated.ExitCode == 0, $"protoc failed: {generated.Output}");
    }

    /// <summary>Runs a script to its end, bounded; returns its exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string directory, string script) => RunAsync(Interpreter, directory, script);

    /// <summary>Runs a script with command-line arguments to its end, bounded; returns its exit code and everything it printed.</summary>
    public static Task<(int ExitCode, string Output)> RunScriptAsync(string directory, string script, params string[] args) => RunAsync(Interpreter, directory, [script, .. args]);

    private static bool HasGrpc()
    {
        using var check = Process.Start(new ProcessStartInfo(Interpreter, ["-c", "import grpc"]) { UseShellExecute = false, RedirectStandardError = true });
        if (check is null)
        {
            return false;
        }

        // Drained so a long traceback cannot fill the pipe; the wait itself is what is bounded.
        _ = check.StandardError.ReadToEndAsync();
        if (!check.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            check.Kill(entireProcessTree: true);
            return false;
        }

        return check.ExitCode == 0;
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string directory, params string[] args)
    {
        var info = new ProcessStartInfo(program, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, _) in Environment)
        {
            info.Environment.Remove(name);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().DefaultTimeout(TimeSpan.FromSeconds(30));
        var text = await stdout.DefaultTimeout();
        var errors = await stderr.DefaultTimeout();
        return (process.ExitCode, errors.Length == 0 ? text : text + errors);
    }
}
