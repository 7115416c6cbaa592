using System.ComponentModel.DataAnnotations;

namespace StreamingGreeter.Server;

/// <summary>Options of the Greeter service (configuration section <c>Greeter</c>).</summary>
public sealed class StreamingGreeterOptions
{
    /// <summary>Largest request message accepted, in bytes; larger ones get RESOURCE_EXHAUSTED. Default 64 KiB.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageSize { get; set; } = 64 * 1024;
}
