using BenchmarkDotNet.Attributes;
using StreamingGreeter.Benchmarks.Infrastructure;
using StreamingGreeter.Hub;

namespace StreamingGreeter.Benchmarks;

/// <summary>
/// The hub alone, in process, no network: per invocation, publish <see cref="Events"/> events to a room with
/// <see cref="Subscribers"/> subscribers, then drain every subscriber's channel (the drain counts). Deliveries/s =
/// events × subscribers / time; Alloc/publish (measured in setup) should not grow with the subscribers.
/// </summary>
[MemoryDiagnoser]
public class HubBenchmarks
{
    private const int Events = 256;
    private const string Room = "hub";
    private const string Text = "a message of some thirty characters";

    private InMemoryBroadcastHub? _hub;
    private IRoomSubscription[] _subscriptions = [];

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        // The shipped defaults (buffer 1024 per subscriber, history 1000), which Events must stay under.
        _hub = new InMemoryBroadcastHub(new BroadcastHubOptions());
        _subscriptions = new IRoomSubscription[Subscribers];
        for (var i = 0; i < Subscribers; i++)
        {
            _subscriptions[i] = await _hub.SubscribeAsync(Room);
        }

        for (var i = 0; i < 20; i++)
        {
            PublishAndDrain();
        }

        const int measured = 20;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < measured; i++)
        {
            PublishAndDrain();
        }

        var perPublish = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)(measured * Events);
        var key = ExtraMetrics.Key(nameof(HubBenchmarks), nameof(PublishAndDrain), (nameof(Subscribers), Subscribers));
        ExtraMetrics.Record(key, Metrics.BytesPerPublish, perPublish);
        ExtraMetrics.Record(key, Metrics.DeliveriesPerInvoke, (double)Events * Subscribers);
    }

    [Benchmark]
    public long PublishAndDrain()
    {
        long lastSequence = 0;
        for (var i = 0; i < Events; i++)
        {
            // The in-memory hub completes a publish synchronously; anything else is a bug worth failing for.
            var published = _hub!.PublishAsync(Room, "bench", Text);
            if (!published.IsCompletedSuccessfully)
            {
                throw new InvalidOperationException("the in-memory hub did not complete a publish synchronously");
            }

            lastSequence = published.Result.Sequence;
        }

        foreach (var subscription in _subscriptions)
        {
            var reader = subscription.Events;
            var count = 0;
            long sequence = 0;
            while (reader.TryRead(out var item))
            {
                count++;
                sequence = item.Sequence;
            }

            if (count != Events || sequence != lastSequence)
            {
                throw new InvalidOperationException($"a subscriber drained {count} of {Events} events, last sequence {sequence} of {lastSequence}");
            }
        }

        return lastSequence;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            await subscription.DisposeAsync();
        }

        _hub?.Dispose();
    }
}
