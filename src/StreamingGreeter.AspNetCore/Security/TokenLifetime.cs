using System.Globalization;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// The token lifetime check of Microsoft.IdentityModel (exp required, nbf, both with the clock skew), read off the
/// server's <see cref="TimeProvider"/>. IdentityModel's own check reads the system clock: its
/// TokenValidationParameters keep their clock non-public, and JwtBearerOptions.TimeProvider does not reach it. Without
/// this a token would be judged by one clock and its stream ended by another. It also refuses an exp past year
/// 9999 (<see cref="TokenExpiryOutOfRangeException"/>).
/// </summary>
internal static class TokenLifetime
{
    private static readonly DateTime LastSecond = DateTimeOffset.FromUnixTimeSeconds(TokenExpiryOutOfRangeException.Latest).UtcDateTime;

    public static LifetimeValidator On(TimeProvider time) =>
        (notBefore, expires, token, parameters) => Validate(notBefore, expires, token, parameters, time.GetUtcNow().UtcDateTime);

    // Throws the exceptions IdentityModel throws, so that TokenFailures words them the same; returns true otherwise.
    private static bool Validate(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters, DateTime now)
    {
        if (!parameters.ValidateLifetime)
        {
            return true;
        }

        if (expires is null && parameters.RequireExpirationTime)
        {
            throw new SecurityTokenNoExpirationException("token has no exp claim");
        }

        // IdentityModel hands any exp past the calendar over as DateTime.MaxValue, a fraction of a second after the
        // last whole second: the one instant no exp in whole seconds gives.
        if (expires > LastSecond)
        {
            throw new TokenExpiryOutOfRangeException(
                token is JsonWebToken jwt && jwt.TryGetPayloadValue<long>("exp", out var exp) ? exp : null)
            {
                Expires = expires,
            };
        }

        if (notBefore > expires)
        {
            throw new SecurityTokenInvalidLifetimeException(Invariant($"token nbf {notBefore:O} is after its exp {expires:O}"))
            {
                NotBefore = notBefore,
                Expires = expires,
            };
        }

        if (notBefore > now + parameters.ClockSkew)
        {
            throw new SecurityTokenNotYetValidException(Invariant($"token is not valid before {notBefore:O}; now is {now:O}"))
            {
                NotBefore = notBefore.Value,
            };
        }

        if (expires < now - parameters.ClockSkew)
        {
            throw new SecurityTokenExpiredException(Invariant($"token expired at {expires:O}; now is {now:O}"))
            {
                Expires = expires.Value,
            };
        }

        return true;
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
