using Microsoft.Extensions.Options;

namespace StreamingGreeter.Server.Hosting;

/// <summary>Tells a start that failed on its settings from one that failed for any other reason.</summary>
internal static class OptionsFailures
{
    /// <summary>The assembly whose conversion failures read "Failed to convert configuration value 'x' at 'Key' to type 'T'."</summary>
    private const string BinderAssembly = "Microsoft.Extensions.Configuration.Binder";

    /// <summary>
    /// The failures of a start refused by options validation: one <see cref="OptionsValidationException"/>, or several
    /// together when more than one options type was checked at start, or a value the configuration binder could not
    /// convert (its message names the key, the value and the type). Null when anything else took part: that failure
    /// keeps its stack trace.
    /// </summary>
    public static IReadOnlyList<string>? Of(Exception error)
    {
        var exceptions = error is AggregateException aggregate ? aggregate.Flatten().InnerExceptions : [error];
        var failures = new List<string>();
        foreach (var exception in exceptions)
        {
            switch (exception)
            {
                case OptionsValidationException validation:
                    failures.AddRange(validation.Failures);
                    break;
                case InvalidOperationException { Source: BinderAssembly } conversion:
                    failures.Add(conversion.Message);
                    break;
                default:
                    return null;
            }
        }

        return failures.Count == 0 ? null : failures;
    }
}
