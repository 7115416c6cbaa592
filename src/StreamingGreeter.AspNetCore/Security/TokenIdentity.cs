using Microsoft.IdentityModel.JsonWebTokens;
using StreamingGreeter.AspNetCore.Services;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// Who a validated token speaks as: its <c>name</c>, else its <c>sub</c>. Judged once, when the call is
/// authenticated, against the same limit as a sender in a request, so that every call refuses the same token the same
/// way instead of one call accepting a sender that another rejects.
/// </summary>
internal static class TokenIdentity
{
    /// <summary>The identity, or an UNAUTHENTICATED error naming the claim at fault.</summary>
    public static string Of(JsonWebToken token)
    {
        // A present name decides, even a blank one: falling back to sub would make the sender someone the issuer
        // did not write as the name.
        if (Claim(token, TokenClaims.Name) is { } name)
        {
            return Judged(name, $"{TokenClaims.Name} claim");
        }

        return Claim(token, TokenClaims.Subject) is { } subject
            ? Judged(subject, $"{TokenClaims.Subject} claim (the sender, as the token has no {TokenClaims.Name})")
            : throw CallAccess.Unauthenticated($"token names nobody: it has neither a {TokenClaims.Name} nor a {TokenClaims.Subject} claim");
    }

    /// <summary>A claim's first value; null when the token lacks it or it is JSON null.</summary>
    public static string? Claim(JsonWebToken token, string type)
    {
        foreach (var claim in token.Claims)
        {
            if (claim.Type == type && claim.ValueType != JsonClaimValueTypes.JsonNull)
            {
                return claim.Value;
            }
        }

        return null;
    }

    /// <summary><paramref name="value"/> if it passes as a sender; <paramref name="what"/> names it in the refusal.</summary>
    private static string Judged(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw CallAccess.Unauthenticated($"token's {what} is empty or only whitespace: it must be 1 to {RequestValidation.MaxNameLength} characters");
        }

        if (value.Length > RequestValidation.MaxNameLength)
        {
            throw CallAccess.Unauthenticated($"token's {what} is {value.Length} characters long; the limit is {RequestValidation.MaxNameLength}");
        }

        return value;
    }
}
