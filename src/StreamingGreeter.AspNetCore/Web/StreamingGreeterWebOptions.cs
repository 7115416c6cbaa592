namespace StreamingGreeter.AspNetCore.Web;

/// <summary>Options of the web routes: server-sent events and what browsers need (configuration section <c>Web</c>).</summary>
public sealed class StreamingGreeterWebOptions
{
    /// <summary>The configuration section these options are read from.</summary>
    public const string SectionName = "Web";

    /// <summary>The CORS policy the web routes carry, made from <see cref="AllowedOrigins"/>.</summary>
    public const string CorsPolicyName = "StreamingGreeterWeb";

    /// <summary>
    /// How often an event stream sends a comment line, so that proxies and load balancers do not close a quiet stream
    /// as idle (10 ms to 1 h). Default 15 s.
    /// </summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// The origins (<c>scheme://host[:port]</c>) whose pages may call the web routes from a browser. None by default:
    /// pages of other origins are refused, requests without an Origin (curl, servers) are not concerned.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];
}
