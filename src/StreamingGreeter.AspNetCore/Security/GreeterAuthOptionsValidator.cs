using System.Text;
using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>Checks the Auth section at start, so a Jwt server without issuer, audience or a usable key never starts.</summary>
internal sealed class GreeterAuthOptionsValidator(IEnumerable<JwtAuthenticationMarker> jwtRegistered) : IValidateOptions<GreeterAuthOptions>
{
    public const int MinHmacKeyBytes = 32;

    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public ValidateOptionsResult Validate(string? name, GreeterAuthOptions options)
    {
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add(OptionsFailure.Describe("Auth:Mode", options.Mode, "it must be None or Jwt"));
        }

        if (options.ClockSkew < TimeSpan.Zero || options.ClockSkew > MaxClockSkew)
        {
            failures.Add(OptionsFailure.Describe("Auth:ClockSkew", options.ClockSkew, "it must be between 00:00:00 and 00:05:00"));
        }

        if (options.Mode == AuthMode.Jwt)
        {
            ValidateJwt(options, failures);
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void ValidateJwt(GreeterAuthOptions options, List<string> failures)
    {
        if (!jwtRegistered.Any())
        {
            failures.Add("Auth:Mode is Jwt but JWT authentication is not registered: call AddStreamingGreeter().AddJwtAuthentication()");
        }

        if (string.IsNullOrWhiteSpace(options.Issuer))
        {
            failures.Add("Auth:Issuer is required when Auth:Mode is Jwt: the iss every token must carry");
        }

        if (string.IsNullOrWhiteSpace(options.Audience))
        {
            failures.Add("Auth:Audience is required when Auth:Mode is Jwt: the aud every token must carry");
        }

        var hasSecret = !string.IsNullOrEmpty(options.SigningKey);
        var hasFile = !string.IsNullOrEmpty(options.SigningKeyFile);
        if (hasSecret == hasFile)
        {
            failures.Add(hasSecret
                ? "Auth:SigningKey and Auth:SigningKeyFile are both set: give one, an HMAC secret or a PEM public key file"
                : "Auth:SigningKey (an HMAC secret) or Auth:SigningKeyFile (an RSA or ECDSA public key in PEM) is required when Auth:Mode is Jwt");
            return;
        }

        if (hasSecret && Encoding.UTF8.GetByteCount(options.SigningKey!) < MinHmacKeyBytes)
        {
            // The secret itself is never quoted; its length is enough to act on.
            failures.Add($"Auth:SigningKey is {Encoding.UTF8.GetByteCount(options.SigningKey!)} bytes long; an HMAC secret needs at least {MinHmacKeyBytes}");
            return;
        }

        try
        {
            _ = SigningKeys.Load(options);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            failures.Add(error.Message);
        }
    }
}
