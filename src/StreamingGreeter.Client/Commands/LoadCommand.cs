using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using StreamingGreeter.Client.Load;
using StreamingGreeter.Client.Output;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter load fanout --subscribers N --publishers M --duration D</c>: measures a running server's fan-out —
/// deliveries per second, publish-to-receive latency and missed events — which unary load tools cannot see.
/// </summary>
internal static class LoadCommand
{
    public const int MaxSubscribers = 20_000;
    public const int MaxPublishers = 64;
    public const double MaxDurationSeconds = 3600;
    public const int MaxSize = 4096;

    private static readonly Option<int> Subscribers = new("--subscribers")
    {
        Description = $"Subscribe streams on the room, 1 to {MaxSubscribers}, spread over one connection per {FanoutRun.StreamsPerChannel} (and over the servers given)",
        HelpName = "N",
        DefaultValueFactory = _ => 100,
        Validators = { result => InRange(result, result.GetValueOrDefault<int>(), 1, MaxSubscribers, "--subscribers") },
    };

    private static readonly Option<int> Publishers = new("--publishers")
    {
        Description = $"Concurrent publishers, 1 to {MaxPublishers}",
        HelpName = "M",
        DefaultValueFactory = _ => 1,
        Validators = { result => InRange(result, result.GetValueOrDefault<int>(), 1, MaxPublishers, "--publishers") },
    };

    private static readonly Option<double> Duration = new("--duration")
    {
        Description = $"Seconds to publish for, more than 0 and at most {MaxDurationSeconds:0}",
        HelpName = "SECONDS",
        DefaultValueFactory = _ => 10,
        Validators =
        {
            result =>
            {
                var value = result.GetValueOrDefault<double>();
                if (!(value > 0 && value <= MaxDurationSeconds))
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"--duration must be more than 0 and at most {MaxDurationSeconds:0} seconds (got {value})"));
                }
            },
        },
    };

    private static readonly Option<double?> Rate = new("--rate")
    {
        Description = "Publishes per second over all publishers (default: as fast as they can)",
        HelpName = "R",
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<double?>() is { } value && !(value > 0 && value <= 1_000_000))
                {
                    result.AddError(string.Create(CultureInfo.InvariantCulture, $"--rate must be more than 0 and at most 1000000 per second (got {value})"));
                }
            },
        },
    };

    private static readonly Option<string?> Room = new("--room", "-r")
    {
        Description = "The room (default: a new one, load-…)",
        HelpName = "ROOM",
    };

    private static readonly Option<int> Size = new("--size")
    {
        Description = $"Characters per published text, padded after the send time, at most {MaxSize} (0: just the send time)",
        HelpName = "CHARS",
        DefaultValueFactory = _ => 0,
        Validators = { result => InRange(result, result.GetValueOrDefault<int>(), 0, MaxSize, "--size") },
    };

    private static readonly Option<int> ReadDelay = new("--read-delay")
    {
        Description = "Milliseconds each subscriber pauses after each event, to play slow consumers",
        HelpName = "MS",
        DefaultValueFactory = _ => 0,
        Validators = { result => InRange(result, result.GetValueOrDefault<int>(), 0, 60_000, "--read-delay") },
    };

    public static Command Create()
    {
        var fanout = new Command("fanout", "Measure fan-out: N subscribers on one room, M publishers for D seconds; prints publishes/s, deliveries/s, latency percentiles and missed events")
        {
            Subscribers,
            Publishers,
            Duration,
            Rate,
            Room,
            Size,
            ReadDelay,
        };
        fanout.SetBody(FanoutAsync);
        return new Command("load", "Load-test a running server") { fanout };
    }

    private static async Task<ExitCode> FanoutAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var settings = new FanoutSettings(
            parsed.GetValue(Room) ?? "load-" + Guid.NewGuid().ToString("N")[..12],
            parsed.GetValue(Subscribers),
            parsed.GetValue(Publishers),
            TimeSpan.FromSeconds(parsed.GetValue(Duration)),
            parsed.GetValue(Rate),
            parsed.GetValue(Size),
            TimeSpan.FromMilliseconds(parsed.GetValue(ReadDelay)));
        var report = await new FanoutRun(settings, context.Addresses, ProgressLine.ForConsole()).RunAsync(cancellationToken);
        context.Out.WriteLine(context.Format.Report(report));
        context.Out.Flush();
        return report.Interrupted ? ExitCode.Interrupted : ExitCode.Ok;
    }

    private static void InRange(OptionResult result, int value, int min, int max, string name)
    {
        if (value < min || value > max)
        {
            result.AddError(string.Create(CultureInfo.InvariantCulture, $"{name} must be between {min} and {max} (got {value})"));
        }
    }
}
