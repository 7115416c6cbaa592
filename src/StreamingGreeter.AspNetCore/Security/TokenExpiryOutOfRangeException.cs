using System.Globalization;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// A token whose <c>exp</c> lies past the last second a <see cref="DateTimeOffset"/> holds (9999-12-31T23:59:59Z).
/// </summary>
/// <remarks>
/// IdentityModel clamps such an exp to <see cref="DateTime.MaxValue"/> without a word. Taken at that word it is a
/// token that never expires, which this server refuses when exp is missing, and an exp no clock can reach; refused
/// here, it never reaches the code that turns exp into an instant.
/// </remarks>
internal sealed class TokenExpiryOutOfRangeException(long? exp)
    : SecurityTokenInvalidLifetimeException(string.Create(CultureInfo.InvariantCulture, $"token exp {exp} is beyond year 9999"))
{
    /// <summary>The last exp a token may carry: 9999-12-31T23:59:59Z in seconds since 1970.</summary>
    public static readonly long Latest = DateTimeOffset.MaxValue.ToUnixTimeSeconds();

    /// <summary>The token's exp as written, when it could be read as a whole number of seconds.</summary>
    public long? Exp { get; } = exp;
}
