using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>Checks the Redis options at start, naming each key and quoting its value.</summary>
internal sealed class RedisBroadcastHubOptionsValidator : IValidateOptions<RedisBroadcastHubOptions>
{
    private static readonly TimeSpan MinimumLivenessInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaximumLivenessInterval = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MinimumPresenceTtl = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaximumPresenceTtl = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, RedisBroadcastHubOptions options)
    {
        var failures = new List<string>(4);
        if (ValidateConfiguration(options.Configuration) is { } configuration)
        {
            failures.Add(configuration);
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            failures.Add("Hub:Redis:KeyPrefix is \"\": it must not be empty, it keeps the hub's keys apart from other data, e.g. \"streaminggreeter:\"");
        }

        if (options.LivenessInterval < MinimumLivenessInterval || options.LivenessInterval > MaximumLivenessInterval)
        {
            failures.Add($"Hub:Redis:LivenessInterval is \"{options.LivenessInterval}\": it must be from {MinimumLivenessInterval} to {MaximumLivenessInterval}, how often each node checks that it delivers every room, e.g. \"00:00:02\"");
        }

        if (options.PresenceTtl < MinimumPresenceTtl || options.PresenceTtl > MaximumPresenceTtl)
        {
            failures.Add($"Hub:Redis:PresenceTtl is \"{options.PresenceTtl}\": it must be from {MinimumPresenceTtl} to {MaximumPresenceTtl}, how long a node's members outlive it in rooms' presence, e.g. \"00:00:30\"");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static string? ValidateConfiguration(string? configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration))
        {
            return "Hub:Redis:Configuration is required when Hub:Backplane is Redis: a StackExchange.Redis configuration string such as \"127.0.0.1:6379\"";
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(configuration);
        }
        catch (ArgumentException error)
        {
            return $"Hub:Redis:Configuration is \"{configuration}\": it must be a StackExchange.Redis configuration string ({error.Message})";
        }

        return parsed.EndPoints.Count == 0
            ? $"Hub:Redis:Configuration is \"{configuration}\": it must name an endpoint as host:port, e.g. \"127.0.0.1:6379\""
            : null;
    }
}
