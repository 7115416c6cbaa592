using System.Diagnostics;
using System.Globalization;
using Google.Protobuf;
using StreamingGreeter.FanOut;
using StreamingGreeter.FanOut.Http2;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Benchmarks.Tests.FanOut;

/// <summary>What the fan-out benchmark counts as a failed delivery: each case must fail the stream, naming what went wrong.</summary>
public sealed class SubscriberStreamTests
{
    private static readonly CallHeaders Headers = new(200, -1, null, 0);

    [Fact]
    public void EveryEventInOrderThenOk_NoFailure()
    {
        var stream = Open(3);

        Deliver(stream, 1, 2, 3);
        stream.OnHeaders(Trailers(0), endStream: true);

        Assert.Null(stream.Failure);
        Assert.Equal((3L, true, 0), (stream.Delivered, stream.Ended, stream.GrpcStatus));
    }

    [Theory]
    [InlineData(new long[] { 1, 3, 4 }, "sequence 3 arrived where 2 was due: 1 missing")]
    [InlineData(new long[] { 1, 1, 2 }, "sequence 1 arrived after 1: a duplicate or out of order")]
    [InlineData(new long[] { 2, 1, 3 }, "sequence 2 arrived where 1 was due: 1 missing")]
    public void GapDuplicateOrReorder_Fails(long[] sequences, string failure)
    {
        var stream = Open(3);

        Deliver(stream, sequences);
        stream.OnHeaders(Trailers(0), endStream: true);

        Assert.Equal($"connection 0, stream 1: {failure}", stream.Failure);
    }

    [Fact]
    public void EndsOkShortOfTheEvents_Fails()
    {
        var stream = Open(3);

        Deliver(stream, 1, 2);
        stream.OnHeaders(Trailers(0), endStream: true);

        Assert.Contains("ended OK after 2 events, not 3", stream.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void NonOkStatus_Fails()
    {
        var stream = Open(3);

        Deliver(stream, 1);
        stream.OnHeaders(Trailers(8), endStream: true);

        Assert.Contains("grpc-status 8", stream.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Reset_FailsAndEnds()
    {
        var stream = Open(3);

        stream.OnReset(8);

        Assert.Contains("RST_STREAM", stream.Failure, StringComparison.Ordinal);
        Assert.True(stream.Ended);
    }

    [Fact]
    public void EventAfterTheTrailers_Fails()
    {
        var stream = Open(1);
        Deliver(stream, 1);
        stream.OnHeaders(Trailers(0), endStream: true);

        Deliver(stream, 2);

        Assert.Contains("arrived after the stream ended", stream.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void EventBeforeTheHeaders_Fails()
    {
        var stream = new SubscriberStream(0, 1, 1, 0, new DeliveryHistogram(), new RunProgress(1));

        Deliver(stream, 1);

        Assert.Contains("before the response headers", stream.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public void MeasuredEvent_RecordsReceiveTimeMinusPublishTime()
    {
        // The connection stamps a read once for all its events; latency is that stamp minus the publisher's.
        var latencies = new DeliveryHistogram();
        var stream = new SubscriberStream(0, 1, 2, measuredAfter: 1, latencies, new RunProgress(1));
        stream.OnHeaders(Headers, endStream: false);
        const long published = 1_000_000_000;
        stream.ReceivedAt = published + (Stopwatch.Frequency / 1000 * 7);

        stream.OnMessage(new ChatEvent { Sequence = 1, Text = published.ToString(CultureInfo.InvariantCulture) }.ToByteArray());
        stream.OnMessage(new ChatEvent { Sequence = 2, Text = published.ToString(CultureInfo.InvariantCulture) }.ToByteArray());

        Assert.Null(stream.Failure);
        Assert.Equal(1, latencies.Count);
        Assert.Equal(7_000, latencies.MaxMicroseconds);
    }

    private static SubscriberStream Open(long events)
    {
        var stream = new SubscriberStream(0, 1, events, measuredAfter: long.MaxValue, new DeliveryHistogram(), new RunProgress(1));
        stream.OnHeaders(Headers, endStream: false);
        return stream;
    }

    private static CallHeaders Trailers(int status) => new(0, status, status == 0 ? null : "refused", -1);

    private static void Deliver(SubscriberStream stream, params long[] sequences)
    {
        foreach (var sequence in sequences)
        {
            stream.OnMessage(new ChatEvent { Sequence = sequence, Text = "0" }.ToByteArray());
        }
    }
}
