using System.CommandLine;
using StreamingGreeter.Client.Connection;

namespace StreamingGreeter.Client.Commands;

/// <summary>The options every command takes: where the server is, how long to wait, and the output format.</summary>
internal static class CommonOptions
{
    public const string DefaultAddress = "http://localhost:50051";
    public const string AddressVariable = "GREETER_ADDRESS";

    public static readonly Option<string[]> Address = new("--address", "-a")
    {
        Description = $"The server, an http:// or https:// URL; repeat it (or give ${AddressVariable} a comma-separated list) to spread calls over several servers, or give a dns:///HOST:PORT name that resolves to several (default: ${AddressVariable}, else {DefaultAddress})",
        HelpName = "URL",
        Recursive = true,
        Arity = ArgumentArity.OneOrMore,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(AddressVariable) is { Length: > 0 } fromEnvironment
            ? fromEnvironment.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [DefaultAddress],
        Validators = { result => CheckAddresses(result.GetValueOrDefault<string[]>(), result.AddError) },
    };

    public static readonly Option<double?> Timeout = new("--timeout")
    {
        Description = "Seconds a call may take (chat and subscribe: how long to keep reconnecting before giving up)",
        HelpName = "SECONDS",
        Recursive = true,
        Validators =
        {
            result =>
            {
                if (result.GetValueOrDefault<double?>() is <= 0 or double.NaN or double.PositiveInfinity)
                {
                    result.AddError("--timeout must be a number of seconds greater than 0");
                }
            },
        },
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print one JSON object per reply, event or notice, one per line",
        Recursive = true,
    };

    public const string TokenVariable = "GREETER_TOKEN";

    // No default value from the environment here: help would print it.
    public static readonly Option<string> Token = new("--token")
    {
        Description = $"A bearer token sent with every call (default: ${TokenVariable}); over http:// only to this machine",
        HelpName = "TOKEN",
        Recursive = true,
    };

    public static readonly Option<FileInfo> CaCertificate = new("--ca-cert")
    {
        Description = "Trust servers whose certificate chains to this CA (PEM file) instead of the system's trust store",
        HelpName = "FILE",
        Recursive = true,
    };

    public static void AddTo(Command root)
    {
        root.Options.Add(Address);
        root.Options.Add(Timeout);
        root.Options.Add(Json);
        root.Options.Add(Token);
        root.Options.Add(CaCertificate);
    }

    /// <summary>The token and trusted roots the command line asks for; an unreadable --ca-cert throws ArgumentException.</summary>
    public static ChannelSecurity BindSecurity(ParseResult parsed)
    {
        var token = TokenFrom(parsed.GetValue(Token));
        var roots = parsed.GetValue(CaCertificate) is { } file ? ChannelSecurity.LoadRoots(file.FullName) : null;
        return new ChannelSecurity(token, roots);
    }

    /// <summary>The token given (the value of --token), else GREETER_TOKEN's, trimmed; null when there is none.</summary>
    public static string? TokenFrom(string? given) =>
        (given ?? Environment.GetEnvironmentVariable(TokenVariable))?.Trim() is { Length: > 0 } token ? token : null;

    public static ClientContext Bind(ParseResult parsed) => new(
        ParseAddresses(parsed.GetRequiredValue(Address)),
        parsed.GetValue(Timeout) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
        parsed.GetValue(Json));

    private static ServerAddresses ParseAddresses(string[] values) =>
        ServerAddresses.TryParse(values, DefaultAddress, out var addresses, out var error)
            ? addresses!
            : throw new InvalidOperationException(error);

    private static void CheckAddresses(string[]? values, Action<string> addError)
    {
        if (!ServerAddresses.TryParse(values ?? [], DefaultAddress, out _, out var error))
        {
            addError(error!);
        }
    }
}
