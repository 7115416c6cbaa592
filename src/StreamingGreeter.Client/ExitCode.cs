namespace StreamingGreeter.Client;

/// <summary>What the process exit code tells a script. Documented in the README; never renumber.</summary>
internal enum ExitCode
{
    /// <summary>The command did what was asked.</summary>
    Ok = 0,

    /// <summary>Any failure not covered below (the server failed, a message was too large, an I/O error).</summary>
    Other = 1,

    /// <summary>The command line was wrong: an unknown command or option, a missing or malformed value.</summary>
    Usage = 2,

    /// <summary>No server answered at the address, or it went away and did not come back in time.</summary>
    Unavailable = 3,

    /// <summary>The server rejected a value as invalid (INVALID_ARGUMENT).</summary>
    InvalidArgument = 4,

    /// <summary>The call did not finish within <c>--timeout</c>.</summary>
    TimedOut = 5,

    /// <summary>The server wants a valid token and got none, or a bad or expired one (UNAUTHENTICATED).</summary>
    Unauthenticated = 6,

    /// <summary>The token is valid but does not allow this: another sender, or a room it was not granted (PERMISSION_DENIED).</summary>
    PermissionDenied = 7,

    /// <summary>No secure connection: the server's certificate is not trusted, or one side speaks TLS and the other does not.</summary>
    Tls = 8,

    /// <summary>Interrupted by Ctrl+C (SIGINT) or SIGTERM before it finished.</summary>
    Interrupted = 130,
}
