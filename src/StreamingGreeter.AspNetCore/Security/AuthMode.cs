namespace StreamingGreeter.AspNetCore.Security;

/// <summary>How the Greeter authenticates callers (<c>Auth:Mode</c>).</summary>
public enum AuthMode
{
    /// <summary>Nobody is authenticated: every call is open and <c>sender</c> is whatever the client says. For loopback use.</summary>
    None,

    /// <summary>Chat, Subscribe and Publish need a valid JWT bearer token; the token names the sender and grants the rooms.</summary>
    Jwt,
}
