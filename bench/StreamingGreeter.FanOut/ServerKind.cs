namespace StreamingGreeter.FanOut;

/// <summary>Which server a run measures.</summary>
internal enum ServerKind
{
    /// <summary>The project's host, src/StreamingGreeter.Server, with its shipped configuration.</summary>
    Project,

    /// <summary>bench/StreamingGreeter.BareFanOut: a channel and a pump per subscriber on bare grpc-dotnet.</summary>
    Bare,
}
