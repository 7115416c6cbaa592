using Microsoft.Extensions.Options;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Sample;

/// <summary>
/// Publishes "tick 1", "tick 2", ... into a room at a fixed interval, through the same <see cref="IBroadcastHub"/> the
/// Greeter serves: every Subscribe or Chat call on that room receives them, in order.
/// </summary>
internal sealed partial class ClockService(IBroadcastHub hub, IOptions<ClockOptions> options, ILogger<ClockService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var clock = options.Value;
        Started(logger, clock.Room, clock.Interval);
        using var timer = new PeriodicTimer(clock.Interval);
        long tick = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                tick++;
                try
                {
                    // Counted against no caller: the app's own events are not held back by per-caller limits.
                    await hub.PublishAsync(clock.Room, clock.Sender, $"tick {tick}", stoppingToken);
                }
                catch (HubLimitExceededException error)
                {
                    // A hub limit (rooms, retained bytes) refused this tick; the next one tries again.
                    Refused(logger, tick, error.Reason);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The app is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Publishing a tick to room {Room} every {Interval}")]
    private static partial void Started(ILogger logger, string room, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Tick {Tick} was refused: {Reason}")]
    private static partial void Refused(ILogger logger, long tick, string reason);
}
