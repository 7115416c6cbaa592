using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>Turns the Auth section into the Greeter's JWT bearer scheme: issuer, audience, lifetime and key, all required.</summary>
internal sealed class ConfigureJwtBearer(IOptions<GreeterAuthOptions> auth, TimeProvider time) : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name != GreeterAuthOptions.AuthenticationScheme)
        {
            return;
        }

        var settings = auth.Value;
        var key = SigningKeys.Load(settings);
        // Claims keep their JWT names (sub, name, rooms) instead of being renamed to WS-Federation URIs.
        options.MapInboundClaims = false;
        // JsonWebTokenHandler, whose identity keeps the validated token: AuthInterceptor reads the grants off it.
        options.UseSecurityTokenValidators = false;
        // The handler's own clock; it does not reach the token's lifetime check, hence LifetimeValidator below.
        options.TimeProvider = time;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = settings.Issuer,
            ValidAudience = settings.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = SigningKeys.Algorithms(key),
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            // The same clock that ends a stream at its token's expiry (AuthInterceptor), not the system's.
            LifetimeValidator = TokenLifetime.On(time),
            RequireSignedTokens = true,
            ClockSkew = settings.ClockSkew,
            NameClaimType = TokenClaims.Name,
        };
    }

    public void Configure(JwtBearerOptions options) => Configure(Options.DefaultName, options);
}
