using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// Says why a token was refused, in the words a caller can act on. Never quotes the token itself: it may be a
/// stolen one that is still good elsewhere.
/// </summary>
internal static class TokenFailures
{
    public static string Describe(Exception? failure, HttpContext http, GreeterAuthOptions options)
    {
        if (failure is null)
        {
            return http.Request.Headers.Authorization.Count > 0
                ? "authorization metadata is not a bearer token: send \"authorization: Bearer <token>\""
                : "no token: this call needs a bearer token in metadata \"authorization: Bearer <token>\"";
        }

        if (failure is AggregateException { InnerExceptions.Count: > 0 } several)
        {
            failure = several.InnerExceptions[0];
        }

        return failure switch
        {
            SecurityTokenExpiredException expired => string.Create(
                CultureInfo.InvariantCulture, $"token expired at {expired.Expires:yyyy-MM-ddTHH:mm:ssZ}: get a fresh one"),
            SecurityTokenNotYetValidException early => string.Create(
                CultureInfo.InvariantCulture, $"token is not valid before {early.NotBefore:yyyy-MM-ddTHH:mm:ssZ}"),
            SecurityTokenNoExpirationException => "token has no expiry (exp claim): this server accepts only tokens that expire",
            TokenExpiryOutOfRangeException beyond => string.Create(
                CultureInfo.InvariantCulture,
                $"token exp {(beyond.Exp is { } exp ? $"{exp} " : "")}is beyond year 9999 (the latest is {TokenExpiryOutOfRangeException.Latest}): this server accepts only tokens that expire"),
            SecurityTokenInvalidAudienceException => Audiences(http) switch
            {
                // IdentityModel's InvalidAudience says "empty" for a token without aud, and nothing at all otherwise:
                // the token itself says what it is for.
                [] => $"token has no audience (aud claim): this server accepts \"{options.Audience}\"",
                { } claimed => $"wrong audience: token is for {string.Join(", ", claimed.Select(static a => $"\"{a}\""))}, this server accepts \"{options.Audience}\"",
                null => $"wrong audience: this server accepts \"{options.Audience}\"",
            },
            SecurityTokenInvalidIssuerException issuer => (issuer.InvalidIssuer ?? Claimed(http)?.Issuer) is { Length: > 0 } claimed
                ? $"wrong issuer: token is from \"{claimed}\", this server accepts \"{options.Issuer}\""
                : $"token has no issuer (iss claim): this server accepts \"{options.Issuer}\"",
            SecurityTokenInvalidAlgorithmException algorithm =>
                $"token is signed with algorithm \"{algorithm.InvalidAlgorithm}\", which this server's key does not use",
            SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
                "bad signature: the token was not signed with this server's key",
            SecurityTokenMalformedException or ArgumentException =>
                "malformed token: not a JWT (three base64url parts: header.payload.signature)",
            _ => $"token rejected ({failure.GetType().Name})",
        };
    }

    /// <summary>The refused token's audiences, blank ones left out; null when the token cannot be read.</summary>
    private static string[]? Audiences(HttpContext http) =>
        Claimed(http)?.Audiences.Where(static audience => !string.IsNullOrWhiteSpace(audience)).ToArray();

    /// <summary>
    /// The refused token as its sender wrote it, unverified, to quote its own iss or aud back to it (the validation
    /// exceptions no longer carry them).
    /// </summary>
    private static JsonWebToken? Claimed(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        const string Bearer = "Bearer ";
        if (!header.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            return new JsonWebToken(header[Bearer.Length..].Trim());
        }
        catch (ArgumentException)
        {
            return null;
        }
    }
}
