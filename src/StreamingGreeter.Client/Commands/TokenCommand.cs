using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter token --name N --rooms P … --key-file F --issuer I --audience A</c>: mints a JWT for development, signed
/// with an HMAC secret or an RSA/ECDSA private key, and prints it. Talks to no server.
/// </summary>
internal static class TokenCommand
{
    public const int MinHmacKeyBytes = 32;

    private static readonly Option<string> Name = new("--name")
    {
        Description = "The token's name claim: the sender its events carry",
        HelpName = "NAME",
        Required = true,
    };

    private static readonly Option<string> Subject = new("--sub")
    {
        Description = "The token's sub claim (default: the name)",
        HelpName = "ID",
    };

    private static readonly Option<string[]> Rooms = Patterns("--rooms", "Room patterns to subscribe to and publish into (news, team-*, user:{sub})");
    private static readonly Option<string[]> Subscribe = Patterns("--subscribe", "Room patterns to subscribe to only");
    private static readonly Option<string[]> Publish = Patterns("--publish", "Room patterns to publish into only");

    private static readonly Option<string> Key = new("--key")
    {
        Description = $"An HMAC secret (at least {MinHmacKeyBytes} bytes): the server's Auth:SigningKey",
        HelpName = "SECRET",
    };

    private static readonly Option<FileInfo> KeyFile = new("--key-file")
    {
        Description = "An RSA or ECDSA private key in PEM (the server has its public key), or a file holding an HMAC secret",
        HelpName = "FILE",
    };

    private static readonly Option<string> Issuer = new("--issuer")
    {
        Description = "The iss claim: the server's Auth:Issuer",
        HelpName = "ISSUER",
        Required = true,
    };

    private static readonly Option<string> Audience = new("--audience")
    {
        Description = "The aud claim: the server's Auth:Audience",
        HelpName = "AUDIENCE",
        Required = true,
    };

    private static readonly Option<TimeSpan> Lifetime = new("--lifetime")
    {
        Description = "How long the token is valid: 90s, 30m, 8h, 7d (default 1h)",
        HelpName = "DURATION",
        DefaultValueFactory = _ => TimeSpan.FromHours(1),
        CustomParser = result => ParseLifetime(result.Tokens[0].Value, result.AddError),
    };

    public static Command Create()
    {
        var command = new Command("token", "Mint a signed JWT for a server with Auth:Mode Jwt (for development) and print it")
        {
            Name,
            Subject,
            Rooms,
            Subscribe,
            Publish,
            Key,
            KeyFile,
            Issuer,
            Audience,
            Lifetime,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(Key) is null) == (result.GetResult(KeyFile) is null))
            {
                result.AddError("give the signing key with --key SECRET or --key-file FILE (one of them)");
            }
        });
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parsed)
    {
        SigningCredentials credentials;
        try
        {
            credentials = parsed.GetValue(KeyFile) is { } file ? FromFile(file.FullName) : FromSecret(parsed.GetRequiredValue(Key), "--key");
        }
        catch (ArgumentException error)
        {
            Console.Error.WriteLine("error: " + error.Message);
            return (int)ExitCode.Usage;
        }

        var name = parsed.GetRequiredValue(Name);
        var claims = new Dictionary<string, object>
        {
            ["sub"] = parsed.GetValue(Subject) ?? name,
            ["name"] = name,
        };
        AddPatterns(claims, "rooms", parsed.GetValue(Rooms));
        AddPatterns(claims, "subscribe", parsed.GetValue(Subscribe));
        AddPatterns(claims, "publish", parsed.GetValue(Publish));

        var now = DateTime.UtcNow;
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = parsed.GetRequiredValue(Issuer),
            Audience = parsed.GetRequiredValue(Audience),
            IssuedAt = now,
            NotBefore = now,
            Expires = now + parsed.GetValue(Lifetime),
            Claims = claims,
            SigningCredentials = credentials,
        });
        Console.Out.WriteLine(token);
        return (int)ExitCode.Ok;
    }

    private static Option<string[]> Patterns(string name, string description) => new(name)
    {
        Description = description + "; repeat the option or list several",
        HelpName = "PATTERN",
        AllowMultipleArgumentsPerToken = true,
    };

    private static void AddPatterns(Dictionary<string, object> claims, string claim, string[]? patterns)
    {
        if (patterns is { Length: > 0 })
        {
            // Always an array, one pattern per element, whatever the count.
            claims[claim] = patterns;
        }
    }

    private static SigningCredentials FromFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--key-file \"{path}\" cannot be read: {error.Message}", error);
        }

        if (!text.Contains("-----BEGIN", StringComparison.Ordinal))
        {
            return FromSecret(text.TrimEnd('\r', '\n'), $"--key-file \"{path}\"");
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(text);
            return new SigningCredentials(new RsaSecurityKey(rsa), SecurityAlgorithms.RsaSha256);
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
        }

        var ecdsa = ECDsa.Create();
        try
        {
            ecdsa.ImportFromPem(text);
            var algorithm = ecdsa.KeySize switch
            {
                256 => SecurityAlgorithms.EcdsaSha256,
                384 => SecurityAlgorithms.EcdsaSha384,
                _ => SecurityAlgorithms.EcdsaSha512,
            };
            return new SigningCredentials(new ECDsaSecurityKey(ecdsa), algorithm);
        }
        catch (Exception error) when (error is ArgumentException or CryptographicException)
        {
            ecdsa.Dispose();
        }

        throw new ArgumentException($"--key-file \"{path}\" holds no RSA or ECDSA private key in PEM (-----BEGIN PRIVATE KEY----- …)");
    }

    private static SigningCredentials FromSecret(string secret, string source)
    {
        var bytes = Encoding.UTF8.GetBytes(secret);
        if (bytes.Length < MinHmacKeyBytes)
        {
            throw new ArgumentException($"{source}: the HMAC secret is {bytes.Length} bytes long; it needs at least {MinHmacKeyBytes}");
        }

        return new SigningCredentials(new SymmetricSecurityKey(bytes), SecurityAlgorithms.HmacSha256);
    }

    private static TimeSpan ParseLifetime(string text, Action<string> addError)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        var scale = unit switch
        {
            's' => TimeSpan.FromSeconds(1),
            'm' => TimeSpan.FromMinutes(1),
            'h' => TimeSpan.FromHours(1),
            'd' => TimeSpan.FromDays(1),
            _ => TimeSpan.Zero,
        };
        var number = scale == TimeSpan.Zero ? text : text[..^1];
        var unitSeconds = (scale == TimeSpan.Zero ? TimeSpan.FromSeconds(1) : scale).TotalSeconds;
        // Bounded in seconds before a TimeSpan is made, which would overflow for a huge number of days.
        if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && value * unitSeconds <= 3650 * 86400)
        {
            return TimeSpan.FromSeconds(value * unitSeconds);
        }

        addError($"--lifetime \"{text}\" is not a duration such as 90s, 30m, 8h or 7d (a number alone is seconds)");
        return default;
    }
}
