using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace StreamingGreeter.Hub.Redis.Internal;

/// <summary>Checks the Redis options at start, quoting what is wrong.</summary>
internal sealed class RedisBroadcastHubOptionsValidator : IValidateOptions<RedisBroadcastHubOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisBroadcastHubOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Configuration))
        {
            return ValidateOptionsResult.Fail(
                "Hub:Redis:Configuration is required when Hub:Backplane is Redis: a StackExchange.Redis configuration string such as \"127.0.0.1:6379\"");
        }

        ConfigurationOptions parsed;
        try
        {
            parsed = ConfigurationOptions.Parse(options.Configuration);
        }
        catch (ArgumentException error)
        {
            return ValidateOptionsResult.Fail($"Hub:Redis:Configuration \"{options.Configuration}\" is not a StackExchange.Redis configuration string: {error.Message}");
        }

        if (parsed.EndPoints.Count == 0)
        {
            return ValidateOptionsResult.Fail($"Hub:Redis:Configuration \"{options.Configuration}\" names no endpoint: give host:port, e.g. \"127.0.0.1:6379\"");
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            return ValidateOptionsResult.Fail("Hub:Redis:KeyPrefix must not be empty: it keeps the hub's keys apart from other data, e.g. \"streaminggreeter:\"");
        }

        return ValidateOptionsResult.Success;
    }
}
