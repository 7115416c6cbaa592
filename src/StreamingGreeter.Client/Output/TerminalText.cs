using System.Globalization;
using System.Text;

namespace StreamingGreeter.Client.Output;

/// <summary>
/// Makes a string from the server (a sender, a text, an error's detail) safe to print as one line for people: a
/// newline could forge a line of its own (<c>12:00:00 admin: …</c>), an escape sequence could clear or rewrite the
/// terminal, and a bidi override could reorder what follows. Such characters are printed as visible escapes instead:
/// <c>\n</c>, <c>\r</c>, <c>\t</c>, <c>\x1b</c> for the other ASCII controls, <c>\u202e</c> for the rest.
/// </summary>
/// <remarks>
/// A backslash is printed as it is, so a text that says <c>\n</c> looks like one holding a newline; <c>--json</c>
/// tells them apart. Everything else, every other language and emoji included, is printed unchanged.
/// </remarks>
internal static class TerminalText
{
    /// <summary>The text with every control, bidi and line-breaking character escaped; the same string when there is none.</summary>
    public static string Escape(string text)
    {
        var first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (var i = first; i < text.Length; i++)
        {
            var c = text[i];
            if (!NeedsEscape(c))
            {
                escaped.Append(c);
                continue;
            }

            escaped.Append(c switch
            {
                '\n' => @"\n",
                '\r' => @"\r",
                '\t' => @"\t",
                < '\u0080' => string.Create(CultureInfo.InvariantCulture, $@"\x{(int)c:x2}"),
                _ => string.Create(CultureInfo.InvariantCulture, $@"\u{(int)c:x4}"),
            });
        }

        return escaped.ToString();
    }

    /// <summary>
    /// C0 controls, DEL and C1 controls (what terminals act on), the bidi embeddings, overrides, isolates and marks (what
    /// reorders the rest of a line), and the Unicode line and paragraph separators (what some programs break lines at).
    /// </summary>
    private static bool NeedsEscape(char c) => c switch
    {
        <= '\u001f' or (>= '\u007f' and <= '\u009f') => true,
        '\u061c' or '\u200e' or '\u200f' or '\u2028' or '\u2029' => true,
        >= '\u202a' and <= '\u202e' => true,
        >= '\u2066' and <= '\u2069' => true,
        _ => false,
    };
}
