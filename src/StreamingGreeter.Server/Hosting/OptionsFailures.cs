using Microsoft.Extensions.Options;

namespace StreamingGreeter.Server.Hosting;

/// <summary>Tells a start that failed on its settings from one that failed for any other reason.</summary>
internal static class OptionsFailures
{
    /// <summary>
    /// The failures of a start refused by options validation: one <see cref="OptionsValidationException"/>, or several
    /// together when more than one options type was checked at start. Null when anything else took part: that failure
    /// keeps its stack trace.
    /// </summary>
    public static IReadOnlyList<string>? Of(Exception error)
    {
        var exceptions = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [error];
        var failures = new List<string>();
        foreach (var exception in exceptions)
        {
            if (exception is not OptionsValidationException validation)
            {
                return null;
            }

            failures.AddRange(validation.Failures);
        }

        return failures.Count == 0 ? null : failures;
    }
}
