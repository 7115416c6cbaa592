using System.Runtime.CompilerServices;

namespace StreamingGreeter.Tests;

/// <summary>The lines a process wrote to one stream, and a way to wait for a line without sleeping.</summary>
public sealed class LineLog
{
    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _raw = new();
    private int _lineStart;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _completed;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    public string Text => string.Join('\n', Lines);

    /// <summary>Whether the output so far contains <paramref name="text"/>; to wait for it, use <see cref="WaitForTextAsync"/>.</summary>
    public bool Contains(string text)
    {
        lock (_gate)
        {
            return _raw.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    /// <summary>Everything written, as written (terminal control sequences included).</summary>
    public string Raw
    {
        get
        {
            lock (_gate)
            {
                return _raw.ToString();
            }
        }
    }

    /// <summary>Takes a chunk of output: lines end at '\n', and a '\r' before it is dropped.</summary>
    public void Append(ReadOnlySpan<char> chunk)
    {
        var text = chunk.ToString();
        Change(() =>
        {
            _raw.Append(text);
            for (var i = _raw.Length - text.Length; i < _raw.Length; i++)
            {
                if (_raw[i] == '\n')
                {
                    var end = i > _lineStart && _raw[i - 1] == '\r' ? i - 1 : i;
                    _lines.Add(_raw.ToString(_lineStart, end - _lineStart));
                    _lineStart = i + 1;
                }
            }
        });
    }

    public void Complete() => Change(() =>
    {
        if (_lineStart < _raw.Length)
        {
            _lines.Add(_raw.ToString(_lineStart, _raw.Length - _lineStart));
            _lineStart = _raw.Length;
        }

        _completed = true;
    });

    /// <summary>Waits until the output so far contains <paramref name="text"/>, at or after <paramref name="start"/>; returns where it ends.</summary>
    public async Task<int> WaitForTextAsync(string text, int start = 0, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var deadline = DateTime.UtcNow + TimeoutExtensions.Timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                var at = _raw.ToString().IndexOf(text, start, StringComparison.Ordinal);
                if (at >= 0)
                {
                    return at + text.Length;
                }

                if (_completed)
                {
                    throw new InvalidOperationException($"Stream ended without \"{text}\" (waiting at {Path.GetFileName(file)}:{line}); it had:\n{_raw}");
                }

                changed = _changed.Task;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(remaining)) != changed)
            {
                throw new TimeoutException($"Timed out after {TimeoutExtensions.Timeout} waiting for \"{text}\" at {Path.GetFileName(file)}:{line}; saw:\n{Raw}");
            }
        }
    }

    /// <summary>Waits until a line at or after <paramref name="start"/> matches; returns its index.</summary>
    public async Task<int> WaitForAsync(Func<string, bool> match, string what, int start = 0, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var deadline = DateTime.UtcNow + TimeoutExtensions.Timeout;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                for (var i = start; i < _lines.Count; i++)
                {
                    if (match(_lines[i]))
                    {
                        return i;
                    }
                }

                if (_completed)
                {
                    throw new InvalidOperationException($"Stream ended without {what} (waiting at {Path.GetFileName(file)}:{line}); it had:\n{string.Join('\n', _lines)}");
                }

                changed = _changed.Task;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(remaining)) != changed)
            {
                throw new TimeoutException($"Timed out after {TimeoutExtensions.Timeout} waiting for {what} at {Path.GetFileName(file)}:{line}; saw:\n{Text}");
            }
        }
    }

    public Task<int> WaitForLineAsync(string exact, int start = 0, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        WaitForAsync(l => l == exact, $"the line \"{exact}\"", start, file, line);

    private void Change(Action change)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            change();
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
