using Microsoft.IdentityModel.JsonWebTokens;

namespace StreamingGreeter.Client.Connection;

/// <summary>Who a bearer token speaks as, read the way the server reads it: its <c>name</c> claim, else its <c>sub</c>.</summary>
internal static class TokenIdentity
{
    /// <summary>
    /// The token's identity, or null when it is not a JWT or names nobody. Nothing is verified: the token is the
    /// user's own, and the server checks it anyway (and refuses a sender that is not its identity).
    /// </summary>
    public static string? Of(string token)
    {
        JsonWebToken parsed;
        try
        {
            parsed = new JsonWebToken(token);
        }
        catch (ArgumentException)
        {
            return null;
        }

        var name = parsed.TryGetPayloadValue<string>("name", out var named) ? named : null;
        var subject = parsed.TryGetPayloadValue<string>("sub", out var sub) ? sub : null;
        var identity = string.IsNullOrWhiteSpace(name) ? subject : name;
        return string.IsNullOrWhiteSpace(identity) ? null : identity;
    }
}
