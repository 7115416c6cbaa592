namespace StreamingGreeter.FanOut.Http2;

/// <summary>Where <see cref="GrpcMessageAssembler"/> hands each whole message; the span is valid during the call only.</summary>
internal interface IGrpcMessageSink
{
    void OnMessage(ReadOnlySpan<byte> message);
}
