using System.Diagnostics;

namespace StreamingGreeter.Client.Output;

/// <summary>
/// A progress line on standard error, redrawn at most ten times a second, shown only when standard error is a
/// terminal: a pipe or a file never sees it.
/// </summary>
internal sealed class ProgressLine
{
    private const string ClearLine = "\r\u001b[K";
    private static readonly long RedrawTicks = Stopwatch.Frequency / 10;

    private readonly TextWriter _error;
    private readonly bool _enabled;
    private long _lastDraw;
    private bool _visible;

    public ProgressLine(TextWriter error, bool enabled)
    {
        _error = error;
        _enabled = enabled;
    }

    /// <summary>Progress for a terminal, none when standard error is redirected.</summary>
    public static ProgressLine ForConsole() => new(Console.Error, !Console.IsErrorRedirected);

    /// <summary>Redraws the line if enough time has passed since the last draw.</summary>
    public void Report(Func<string> text)
    {
        if (!_enabled)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        if (_visible && now - _lastDraw < RedrawTicks)
        {
            return;
        }

        _lastDraw = now;
        _visible = true;
        _error.Write(ClearLine + text());
        _error.Flush();
    }

    /// <summary>Removes the line, before other output is written to the same terminal or at the end.</summary>
    public void Clear()
    {
        if (_visible)
        {
            _visible = false;
            _error.Write(ClearLine);
            _error.Flush();
        }
    }
}
