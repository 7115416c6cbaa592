namespace StreamingGreeter.FanOut.Http2;

/// <summary>The HTTP/2 frame flags this client reads or writes.</summary>
internal static class FrameFlags
{
    public const byte EndStream = 0x1;
    public const byte Ack = 0x1;
    public const byte EndHeaders = 0x4;
    public const byte Padded = 0x8;
    public const byte Priority = 0x20;
}
