using Microsoft.Extensions.Options;
using StreamingGreeter.AspNetCore.Internal;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>Refuses web options that cannot work, naming the configuration key.</summary>
internal sealed class WebOptionsValidator : IValidateOptions<StreamingGreeterWebOptions>
{
    private static readonly TimeSpan MinHeartbeat = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxHeartbeat = TimeSpan.FromHours(1);

    public ValidateOptionsResult Validate(string? name, StreamingGreeterWebOptions options)
    {
        var failures = new List<string>();
        if (options.HeartbeatInterval < MinHeartbeat || options.HeartbeatInterval > MaxHeartbeat)
        {
            failures.Add(OptionsFailure.Describe(
                "Web:HeartbeatInterval", options.HeartbeatInterval, $"it must be between {OptionsFailure.Show(MinHeartbeat)} and {OptionsFailure.Show(MaxHeartbeat)}"));
        }

        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (!IsOrigin(origin))
            {
                failures.Add(OptionsFailure.Describe(
                    $"Web:AllowedOrigins:{i}", origin, "it must be an origin, scheme://host[:port] with no path, e.g. https://chat.example.com"));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>What a browser sends as Origin: an http(s) scheme and authority, nothing after it.</summary>
    private static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.PathAndQuery == "/"
        && !value.EndsWith('/')
        && string.IsNullOrEmpty(uri.UserInfo);
}
