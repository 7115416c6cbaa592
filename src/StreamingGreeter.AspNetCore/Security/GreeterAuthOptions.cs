namespace StreamingGreeter.AspNetCore.Security;

/// <summary>Authentication of the Greeter's callers (configuration section <c>Auth</c>).</summary>
public sealed class GreeterAuthOptions
{
    /// <summary>The authentication scheme the Greeter registers for its JWT bearer tokens, apart from any scheme of the app.</summary>
    public const string AuthenticationScheme = "StreamingGreeterJwt";

    /// <summary><see cref="AuthMode.None"/> (the default) or <see cref="AuthMode.Jwt"/>.</summary>
    public AuthMode Mode { get; set; } = AuthMode.None;

    /// <summary>The <c>iss</c> every token must carry. Required with <see cref="AuthMode.Jwt"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must carry. Required with <see cref="AuthMode.Jwt"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>An HMAC secret (HS256/384/512), at least 32 bytes in UTF-8. Either this or <see cref="SigningKeyFile"/>.</summary>
    public string? SigningKey { get; set; }

    /// <summary>A PEM file with the RSA or ECDSA public key that verifies tokens (RS*, PS*, ES*). Either this or <see cref="SigningKey"/>.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Tolerance for clocks that disagree, applied to <c>exp</c> and <c>nbf</c> (0 – 5 minutes). Default 30 s.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether SayHello, SayHelloStream and SayHelloToMany need a token too. Default false: greetings stay open.</summary>
    public bool RequireForGreetings { get; set; }
}
