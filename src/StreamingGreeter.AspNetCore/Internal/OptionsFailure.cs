using System.Globalization;

namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>The one form every options failure takes: the key as configured, its value, then what it must be.</summary>
internal static class OptionsFailure
{
    /// <summary>E.g. <c>Hub:SubscriberBufferCapacity is 0: it must be between 1 and 1000000</c>.</summary>
    public static string Describe(string key, object? value, string requirement) => $"{key} is {Show(value)}: {requirement}";

    /// <summary>A value as it would be written in configuration: numbers and times invariant, text quoted.</summary>
    public static string Show(object? value) => value switch
    {
        null => "not set",
        string text => $"\"{text}\"",
        TimeSpan time => Show(time),
        bool flag => flag ? "true" : "false",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>A time as configuration writes it, without the trailing zeros of its fraction: 00:00:00.1, not 00:00:00.1000000.</summary>
    private static string Show(TimeSpan time)
    {
        var text = time.ToString("c", CultureInfo.InvariantCulture);
        return text.LastIndexOf('.') > text.LastIndexOf(':') ? text.TrimEnd('0') : text;
    }
}
