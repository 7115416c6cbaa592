namespace StreamingGreeter.AspNetCore.Security;

/// <summary>The claims the Greeter reads from a token. Documented in the README; never rename.</summary>
internal static class TokenClaims
{
    /// <summary>The sender's name; when absent, <see cref="Subject"/> is.</summary>
    public const string Name = "name";

    public const string Subject = "sub";

    /// <summary>Room patterns the token may both subscribe to and publish into.</summary>
    public const string Rooms = "rooms";

    /// <summary>Room patterns the token may subscribe to (Subscribe; Chat needs this and <see cref="Publish"/>).</summary>
    public const string Subscribe = "subscribe";

    /// <summary>Room patterns the token may publish into (Publish; Chat needs this and <see cref="Subscribe"/>).</summary>
    public const string Publish = "publish";
}
