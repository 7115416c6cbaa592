using System.Globalization;
using Grpc.Core;
using StreamingGreeter.AspNetCore.Services;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// Where an event stream resumes: <c>&lt;epoch&gt;:&lt;sequence&gt;</c>, the id of the last event a client saw, from
/// the Last-Event-ID header (an EventSource reconnecting) or the <c>after</c> query parameter (a first connection).
/// </summary>
internal readonly record struct ResumePosition(string Epoch, long AfterSequence)
{
    public const string QueryParameter = "after";
    public const string Header = "Last-Event-ID";

    /// <summary>The event id of a position in an epoch, which <see cref="Parse"/> reads back.</summary>
    public static string Id(string epoch, long sequence) => string.Concat(epoch, ":", sequence.ToString(CultureInfo.InvariantCulture));

    /// <summary>
    /// Reads <paramref name="value"/> from <paramref name="field"/>, checked by the rules Subscribe applies to
    /// after_sequence and epoch. Throws INVALID_ARGUMENT naming the field and the limit.
    /// </summary>
    public static ResumePosition Parse(string value, string field)
    {
        // The sequence follows the last colon: the epoch is the server's and could one day hold a colon itself.
        var colon = value.LastIndexOf(':');
        if (colon < 0 || !long.TryParse(value.AsSpan(colon + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sequence))
        {
            throw RequestValidation.Invalid(
                $"{field} \"{Shorten(value)}\" is invalid: it must be <epoch>:<sequence>, the id of the last event received, e.g. 3f2a9c:42");
        }

        var epoch = value[..colon];
        try
        {
            RequestValidation.Resume(sequence, epoch);
        }
        catch (RpcException error)
        {
            throw RequestValidation.Invalid($"{field}: {error.Status.Detail}");
        }

        return new ResumePosition(epoch, sequence);
    }

    private static string Shorten(string value) => value.Length <= 80 ? value : string.Concat(value.AsSpan(0, 80), "…");
}
