using System.Globalization;

namespace StreamingGreeter.FanOut;

/// <summary>The command line: what to run, how big, how long at most.</summary>
internal sealed record FanOutOptions
{
    public const string Usage = """
        dotnet run -c Release --project bench/StreamingGreeter.FanOut -- [options]
          --server project|bare     which server (default project)
          --alternate               project, bare, project, bare: one row each
          --subscribers S           Subscribe streams on one room (default 1000)
          --connections C           HTTP/2 connections they share, S/C streams each (default 10)
          --events N                events measured per subscriber (default 1000)
          --rate R|saturate         R events/s, or as fast as the slowest subscriber keeps up (default saturate)
          --window W                saturate: events published ahead of the slowest subscriber (default 128)
          --in-flight K             Publish calls in flight at once, at most W (default 16)
          --warmup N                events delivered before the measured window (default N/10, 10 to 100)
          --timeout SECONDS         the whole invocation's limit (default 300)
          --server-arg ARG          passed to the server (repeatable), e.g. --server-arg --Hub:HistorySize=0
          --smoke                   50 subscribers, 5 connections, 200 events, both servers: seconds
          --idle                    10,000 idle streams over 100 connections: server RSS per stream
          --large                   50,000 subscribers over 500 connections, 200 events each
          --report                  every figure of bench/README's table, A B A B each: saturation and half of it
                                    (1,000 subscribers), --idle, --large; about 4 minutes
        """;

    public IReadOnlyList<ServerKind> Servers { get; init; } = [ServerKind.Project];

    public int Subscribers { get; init; } = 1000;

    public int Connections { get; init; } = 10;

    public int Events { get; init; } = 1000;

    /// <summary>Events per second; 0 publishes at saturation.</summary>
    public int Rate { get; init; }

    public int Window { get; init; } = 128;

    public int InFlight { get; init; } = 16;

    public int? Warmup { get; init; }

    /// <summary>Idle mode: subscribe, read the server's memory, then end every stream with one event.</summary>
    public bool Idle { get; init; }

    /// <summary>The whole table: <see cref="ReportRuns"/> one after the other.</summary>
    public bool Report { get; init; }

    /// <summary>At saturation, 1,000 subscribers: long enough, after a warm-up long enough, for tiered compilation to settle.</summary>
    public static FanOutOptions Saturation { get; } = new()
    {
        Subscribers = 1000, Connections = 10, Events = 10_000, Warmup = 3000, Window = 1000, InFlight = 64,
        Servers = [ServerKind.Project, ServerKind.Bare, ServerKind.Project, ServerKind.Bare],
    };

    /// <summary>The report's first run, not reported: the load client's code compiled before anything is measured.</summary>
    public static FanOutOptions ClientWarmup { get; } = Saturation with { Events = 5000, Servers = [ServerKind.Bare, ServerKind.Project] };

    /// <summary>The report's runs after <see cref="Saturation"/>; the paced one at half the project's saturated rate.</summary>
    public static IEnumerable<FanOutOptions> ReportRuns(double projectDeliveriesPerSecond) =>
    [
        Saturation with { Events = 8000, Rate = Math.Max(1, (int)(projectDeliveriesPerSecond / Saturation.Subscribers / 2)) },
        Saturation with { Subscribers = 10_000, Connections = 100, Events = 1, Warmup = null, Window = 128, InFlight = 16, Idle = true },
        Saturation with { Subscribers = 50_000, Connections = 500, Events = 200, Warmup = null, Window = 128, InFlight = 16 },
    ];

    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<string> ServerArgs { get; init; } = [];

    public int WarmupEvents => Idle ? 0 : Warmup ?? Math.Clamp(Events / 10, 10, 100);

    public int StreamsPerConnection => (Subscribers + Connections - 1) / Connections;

    public static FanOutOptions Parse(string[] args)
    {
        var options = new FanOutOptions();
        ServerKind? server = null;
        var alternate = false;
        var smoke = false;
        var serverArgs = new List<string>();
        var shapes = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg is not ("--report" or "--timeout" or "--server-arg") && arg.StartsWith("--", StringComparison.Ordinal))
            {
                shapes.Add(arg);
            }

            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value");
            int Count(int min, int max)
            {
                var text = Value();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
                    ? value
                    : throw new ArgumentException($"{arg} must be a whole number from {min} to {max}, not '{text}'");
            }

            options = arg switch
            {
                "--smoke" => options with { Subscribers = 50, Connections = 5, Events = 200, Timeout = TimeSpan.FromSeconds(50) },
                "--idle" => options with { Subscribers = 10_000, Connections = 100, Events = 1, Idle = true },
                "--large" => options with { Subscribers = 50_000, Connections = 500, Events = 200 },
                "--report" => options with { Report = true, Timeout = TimeSpan.FromMinutes(20) },
                "--subscribers" => options with { Subscribers = Count(1, 1_000_000) },
                "--connections" => options with { Connections = Count(1, 10_000) },
                "--events" => options with { Events = Count(1, 10_000_000) },
                "--rate" => Value() is var rate && rate == "saturate"
                    ? options with { Rate = 0 }
                    : int.TryParse(rate, NumberStyles.None, CultureInfo.InvariantCulture, out var perSecond) && perSecond is > 0 and <= 1_000_000
                        ? options with { Rate = perSecond }
                        : throw new ArgumentException($"--rate must be 'saturate' or events per second from 1 to 1,000,000, not '{rate}'"),
                "--window" => options with { Window = Count(1, 1000) },
                "--in-flight" => options with { InFlight = Count(1, 1000) },
                "--warmup" => options with { Warmup = Count(0, 100_000) },
                "--timeout" => options with { Timeout = TimeSpan.FromSeconds(Count(1, 24 * 3600)) },
                _ => options,
            };
            switch (arg)
            {
                case "--server":
                    var name = Value();
                    server = name switch
                    {
                        "project" => ServerKind.Project,
                        "bare" => ServerKind.Bare,
                        _ => throw new ArgumentException($"--server must be 'project' or 'bare', not '{name}'"),
                    };
                    break;
                case "--server-arg":
                    serverArgs.Add(Value());
                    break;
                case "--alternate":
                    alternate = true;
                    break;
                case "--smoke":
                    smoke = true;
                    break;
                case "--help" or "-h":
                    throw new ArgumentException(Usage);
                default:
                    if (!arg.StartsWith("--", StringComparison.Ordinal) || !IsKnown(arg))
                    {
                        throw new ArgumentException($"unknown argument '{arg}'\n{Usage}");
                    }

                    break;
            }
        }

        if (options.Report && shapes.Count > 0)
        {
            // The report's runs are fixed, so that its table means the same every time: an option it would ignore is refused.
            throw new ArgumentException($"--report runs its own fixed set of runs; only --timeout and --server-arg apply to it, not {string.Join(", ", shapes)}");
        }

        if (options.Connections > options.Subscribers)
        {
            throw new ArgumentException($"--connections ({options.Connections}) cannot exceed --subscribers ({options.Subscribers})");
        }

        if (options.InFlight > options.Window)
        {
            options = options with { InFlight = options.Window };
        }

        // The smoke run measures both servers unless told one.
        IReadOnlyList<ServerKind> servers = alternate ? [ServerKind.Project, ServerKind.Bare, ServerKind.Project, ServerKind.Bare]
            : smoke && server is null ? [ServerKind.Project, ServerKind.Bare]
            : [server ?? ServerKind.Project];
        return options with { Servers = servers, ServerArgs = serverArgs };
    }

    private static bool IsKnown(string arg) => arg is "--smoke" or "--idle" or "--large" or "--report" or "--subscribers" or "--connections" or "--events"
        or "--rate" or "--window" or "--in-flight" or "--warmup" or "--timeout";
}
