using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.Tests;

/// <summary>Signed tokens for a server started with <see cref="Settings"/>, good or broken in one chosen way.</summary>
public static class TestTokens
{
    public const string Issuer = "https://issuer.test";
    public const string Audience = "streaming-greeter";
    public const string Secret = "a test secret that is long enough for HS256";

    /// <summary>Auth settings for a Jwt server with the HMAC <see cref="Secret"/>, plus any more.</summary>
    public static string[] Settings(params string[] more) =>
    [
        "Auth:Mode=Jwt",
        $"Auth:Issuer={Issuer}",
        $"Auth:Audience={Audience}",
        $"Auth:SigningKey={Secret}",
        "Auth:ClockSkew=00:00:00",
        .. more,
    ];

    public static SigningCredentials Hmac(string secret = Secret) =>
        new(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(secret)), SecurityAlgorithms.HmacSha256);

    /// <summary>
    /// A token for <paramref name="name"/> with the given claims (string or string[] values), issued at
    /// <paramref name="issuedAt"/> (now by default; a server on a test clock needs that clock's now). A null
    /// <paramref name="audience"/> leaves the aud claim out.
    /// </summary>
    public static string Create(
        string? name = "ann",
        IDictionary<string, object>? claims = null,
        TimeSpan? lifetime = null,
        string issuer = Issuer,
        string? audience = Audience,
        SigningCredentials? signing = null,
        string? subject = null,
        DateTimeOffset? issuedAt = null)
    {
        var all = new Dictionary<string, object>();
        if (name is not null)
        {
            all["name"] = name;
        }

        if ((subject ?? name) is { } sub)
        {
            all["sub"] = sub;
        }

        foreach (var (key, value) in claims ?? new Dictionary<string, object>())
        {
            all[key] = value;
        }

        var now = issuedAt?.UtcDateTime ?? DateTime.UtcNow;
        var life = lifetime ?? TimeSpan.FromMinutes(10);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            IssuedAt = life > TimeSpan.Zero ? now : now + life - TimeSpan.FromMinutes(1),
            NotBefore = life > TimeSpan.Zero ? now : now + life - TimeSpan.FromMinutes(1),
            Expires = now + life,
            Claims = all,
            SigningCredentials = signing ?? Hmac(),
        });
    }

    /// <summary>A token granting rooms: shorthand for the <c>rooms</c> claim.</summary>
    public static string ForRooms(string name, params string[] rooms) => Create(name, new Dictionary<string, object> { ["rooms"] = rooms });

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public static CallOptions Call(string token, CancellationToken cancellationToken = default) =>
        new(headers: Bearer(token), cancellationToken: cancellationToken);
}
