using StreamingGreeter.Client.Connection;
using StreamingGreeter.Client.Output;

namespace StreamingGreeter.Client.Commands;

/// <summary>What every command is given: the common options, resolved, and where output goes.</summary>
internal sealed class ClientContext(ServerAddresses addresses, TimeSpan? timeout, bool json)
{
    public ServerAddresses Addresses { get; } = addresses;

    public TimeSpan? Timeout { get; } = timeout;

    public bool Json { get; } = json;

    public IOutputFormat Format { get; } = json ? new JsonOutputFormat() : new TextOutputFormat();

    /// <summary>Replies, events and notices: standard output.</summary>
    public TextWriter Out { get; } = Console.Out;

    /// <summary>Errors, progress and connection news: standard error.</summary>
    public TextWriter Error { get; } = Console.Error;

    /// <summary>The deadline for one call, from now.</summary>
    public DateTime? Deadline() => Timeout is { } timeout ? DateTime.UtcNow + timeout : null;
}
