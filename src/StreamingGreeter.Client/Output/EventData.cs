using System.Text;
using Google.Protobuf;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>How an event's binary data is shown to people: as text when its content type says it is text, else base64.</summary>
internal static class EventData
{
    /// <summary>
    /// <c>[text/plain] hello</c> or <c>[image/png] base64:iVBORw0K…</c> (<c>[data]</c> with no content type); empty when
    /// the event has neither data nor a content type.
    /// </summary>
    public static string Describe(ChatEvent item)
    {
        if (item.Data.IsEmpty && item.ContentType.Length == 0)
        {
            return string.Empty;
        }

        var label = item.ContentType.Length == 0 ? "data" : TerminalText.Escape(item.ContentType);
        if (item.Data.IsEmpty)
        {
            return $"[{label}]";
        }

        var body = IsText(item.ContentType)
            ? TerminalText.Escape(Encoding.UTF8.GetString(item.Data.Span))
            : "base64:" + Base64(item.Data);
        return $"[{label}] {body}";
    }

    /// <summary>Standard base64 with padding, as protobuf's JSON mapping writes bytes.</summary>
    public static string Base64(ByteString data) => data.ToBase64();

    /// <summary>
    /// A content type of the <c>text</c> top-level type (<c>text/plain; charset=utf-8</c>, <c>Text/CSV</c>): its data is
    /// shown decoded as UTF-8, the charset this client assumes for text.
    /// </summary>
    public static bool IsText(string contentType) => contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase);
}
