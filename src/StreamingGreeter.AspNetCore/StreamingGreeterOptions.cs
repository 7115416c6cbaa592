using System.ComponentModel.DataAnnotations;

namespace StreamingGreeter.AspNetCore;

/// <summary>Options of the Greeter service (configuration section <c>Greeter</c>).</summary>
public sealed class StreamingGreeterOptions
{
    /// <summary>
    /// Largest gRPC request message accepted, in bytes; larger ones get RESOURCE_EXHAUSTED. Default 128 KiB: room for an
    /// event of <see cref="MaxEventBytes"/> with its room, sender, message id and content type.
    /// </summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxReceiveMessageSize { get; set; } = 128 * 1024;

    /// <summary>
    /// Largest event a client may publish (Publish, Chat, the HTTP API): the UTF-8 bytes of its text plus the bytes of its
    /// data; larger ones get INVALID_ARGUMENT. Default 64 KiB. A gRPC request must also fit
    /// <see cref="MaxReceiveMessageSize"/>, which is checked first: keep that at least about 1 KiB above this, or a
    /// large event gets RESOURCE_EXHAUSTED rather than reaching this limit.
    /// </summary>
    [Range(1, 16 * 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 64 * 1024;

    /// <summary>Streaming calls one HTTP/2 connection may have open at once; more get RESOURCE_EXHAUSTED. Default 100.</summary>
    [Range(1, 100_000)]
    public int MaxStreamsPerConnection { get; set; } = 100;

    /// <summary>
    /// Messages one caller (its authenticated name, else its IP address) may publish per second, through Publish and
    /// Chat together, with bursts of as many; beyond it RESOURCE_EXHAUSTED. 0 turns the limit off. Default 10,000.
    /// </summary>
    [Range(0, 10_000_000)]
    public int PublishesPerSecond { get; set; } = 10_000;

    /// <summary>
    /// Presence and PresenceStats calls one caller may make per second together, with bursts of as many; beyond it
    /// RESOURCE_EXHAUSTED. A read may copy and sort the room's member list (Redis) or one that changed, so a caller
    /// polling in a loop would otherwise cost every tenant of a big room. 0 turns the limit off. Default 1,000.
    /// </summary>
    [Range(0, 10_000_000)]
    public int PresenceReadsPerSecond { get; set; } = 1_000;

    /// <summary>
    /// How long a Chat call may wait for its first message (room and sender) before it ends with DEADLINE_EXCEEDED,
    /// so a client that opens streams and never sends cannot hold them. Default 30 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan ChatJoinTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long one write to a stream may make no progress (a client that stops reading keeps its HTTP/2 window shut)
    /// before the call is aborted, releasing its buffered events and, for Chat, its membership. Default 20 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>At most one warning about subscribers dropped for falling behind is logged per this interval. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan SlowSubscriberWarningInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Connections the standalone host serves at once, on all its endpoints together; beyond it a new connection is
    /// closed at once. Default 10,000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// Connections the standalone host serves at once from one IP address; beyond it a new connection from that address
    /// is closed at once, so that one client cannot take every file descriptor. Default 1,000.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConnectionsPerAddress { get; set; } = 1_000;

    /// <summary>
    /// How long a new connection to the standalone host may take to send the whole HTTP/2 client preface (after the TLS
    /// handshake on a TLS endpoint) before it is closed. Default 10 s, as long as Kestrel allows a TLS handshake.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan ConnectionPrefaceTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// At most one warning about refused connections (per limit), and one about connections closed for sending no
    /// preface, is logged per this interval. Default 10 s.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan ConnectionWarningInterval { get; set; } = TimeSpan.FromSeconds(10);
}
