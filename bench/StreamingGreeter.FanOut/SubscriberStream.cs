using System.Diagnostics;
using StreamingGreeter.FanOut.Http2;

namespace StreamingGreeter.FanOut;

/// <summary>
/// One Subscribe call on a <see cref="SubscriberConnection"/>: checks that its events arrive with consecutive sequences
/// from 1 to the number asked for, records each one's publish-to-receive latency, and keeps how the call ended.
/// Touched by its connection's reading loop only, except for the counters the run reads.
/// </summary>
internal sealed class SubscriberStream(int connection, int streamId, long expectedEvents, long measuredAfter, DeliveryHistogram latencies, RunProgress progress) : IGrpcMessageSink
{
    private static readonly double MicrosecondsPerTick = 1_000_000.0 / Stopwatch.Frequency;

    private long _delivered;
    private long _nextSequence = -1;
    private int _headerBlocks;
    private volatile bool _ended;

    public int StreamId => streamId;

    /// <summary>"connection 3, stream 7", for messages.</summary>
    public string Name => $"connection {connection}, stream {streamId}";

    public GrpcMessageAssembler Assembler { get; } = new();

    /// <summary>Events received so far (read by the publisher for its window).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    public bool Ended => _ended;

    public int GrpcStatus { get; private set; } = -1;

    public string? GrpcMessage { get; private set; }

    /// <summary>The first thing that went wrong on this call, or null.</summary>
    public string? Failure { get; private set; }

    /// <summary>When the bytes being read arrived (a <see cref="Stopwatch"/> timestamp), set by the connection.</summary>
    public long ReceivedAt { get; set; }

    /// <summary>Set by the connection once it counted this stream's end.</summary>
    public bool Counted { get; set; }

    /// <summary>Bytes of DATA received since this stream's window was last extended.</summary>
    public long UncreditedBytes { get; set; }

    public void OnMessage(ReadOnlySpan<byte> message)
    {
        ChatEventReader.Read(message, out var sequence, out var text);
        if (_ended)
        {
            Fail($"an event (sequence {sequence}) arrived after the stream ended");
        }
        else if (_nextSequence < 0)
        {
            Fail($"an event (sequence {sequence}) arrived before the response headers");
        }
        else if (sequence != _nextSequence)
        {
            Fail(sequence < _nextSequence
                ? $"sequence {sequence} arrived after {_nextSequence - 1}: a duplicate or out of order"
                : $"sequence {sequence} arrived where {_nextSequence} was due: {sequence - _nextSequence} missing");
            _nextSequence = sequence + 1;
        }
        else
        {
            _nextSequence++;
        }

        if (sequence > measuredAfter && ChatEventReader.ParseDecimal(text) is var published and > 0)
        {
            latencies.Record((long)((ReceivedAt - published) * MicrosecondsPerTick));
        }

        Volatile.Write(ref _delivered, _delivered + 1);
    }

    public void OnHeaders(in CallHeaders headers, bool endStream)
    {
        if (_ended)
        {
            Fail("a header block arrived after the stream ended");
            return;
        }

        if (++_headerBlocks == 1)
        {
            progress.StreamSubscribed();
            if (headers.HttpStatus != 200)
            {
                Fail($"HTTP status {headers.HttpStatus}, not 200");
            }

            // Headers-only (trailers at once) is how a call that fails at the start ends; otherwise the room must be
            // fresh, so the events are 1, 2, ... N.
            if (!endStream && headers.StartSequence != 0)
            {
                Fail(headers.StartSequence < 0 ? "no greeter-sequence response header" : $"subscribed after sequence {headers.StartSequence}, not to a fresh room");
            }

            _nextSequence = 1;
        }
        else if (!endStream)
        {
            Fail("a second header block without END_STREAM");
        }

        if (endStream)
        {
            GrpcStatus = headers.GrpcStatus;
            GrpcMessage = headers.GrpcMessage;
            if (!Assembler.IsAtMessageBoundary)
            {
                Fail("the trailers came in the middle of a message");
            }
            else if (headers.GrpcStatus != 0)
            {
                Fail($"grpc-status {headers.GrpcStatus} ({headers.GrpcMessage})");
            }
            else if (_delivered != expectedEvents)
            {
                Fail($"ended OK after {_delivered} events, not {expectedEvents}");
            }

            End();
        }
    }

    public void OnDataEndStream() => Fail("the stream ended with a DATA frame: no trailers, no grpc-status");

    public void OnReset(uint errorCode)
    {
        Fail($"reset by the server (RST_STREAM, HTTP/2 error {errorCode})");
        End();
    }

    public void OnConnectionLost(string why)
    {
        if (!_ended)
        {
            Fail(why);
            End();
        }
    }

    private void Fail(string message) => Failure ??= $"{Name}: {message}";

    private void End()
    {
        if (!_ended)
        {
            _ended = true;
            if (_headerBlocks == 0)
            {
                progress.StreamSubscribed();
            }

            progress.StreamEnded();
        }
    }
}
