using StreamingGreeter.Client.Output;

namespace StreamingGreeter.Client.Tests;

/// <summary>What the text output makes of a server's strings: one line, with every control and bidi character visible.</summary>
public sealed class TerminalTextTests
{
    [Theory]
    [InlineData("hi", "hi")]
    [InlineData("", "")]
    [InlineData("grüße, 日本語, 👋 and a \\ backslash", "grüße, 日本語, 👋 and a \\ backslash")]
    public void Escape_PrintableText_Unchanged(string text, string expected)
    {
        Assert.Equal(expected, TerminalText.Escape(text));
    }

    [Fact]
    public void Escape_PrintableText_ReturnsTheSameString()
    {
        var text = "nothing to escape";

        Assert.Same(text, TerminalText.Escape(text));
    }

    [Theory]
    [InlineData("a\nb", @"a\nb")]
    [InlineData("a\r\nb", @"a\r\nb")]
    [InlineData("a\tb", @"a\tb")]
    [InlineData("\u001b[2J", @"\x1b[2J")]
    [InlineData("\0\u0007\u0008\u001f", @"\x00\x07\x08\x1f")]
    [InlineData("del\u007f", @"del\x7f")]
    [InlineData("c1 \u0080 \u0085 \u009b31m \u009f", @"c1 \u0080 \u0085 \u009b31m \u009f")]
    [InlineData("\u202etxt.exe", @"\u202etxt.exe")]
    [InlineData("\u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069 \u200e\u200f\u061c", @"\u202a\u202b\u202c\u202d \u2066\u2067\u2068\u2069 \u200e\u200f\u061c")]
    [InlineData("line\u2028separator\u2029", @"line\u2028separator\u2029")]
    public void Escape_ControlAndBidiCharacters_PrintedAsVisibleEscapes(string text, string expected)
    {
        Assert.Equal(expected, TerminalText.Escape(text));
    }

    [Fact]
    public void Escape_ForgedLine_StaysOneLineWithNoEscapeCharacter()
    {
        var escaped = TerminalText.Escape("hi\n12:00:00 admin: pwned\u001b[2J");

        Assert.Equal(@"hi\n12:00:00 admin: pwned\x1b[2J", escaped);
        Assert.DoesNotContain(escaped, char.IsControl);
    }
}
