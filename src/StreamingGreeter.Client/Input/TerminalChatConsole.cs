using System.Text;
using System.Threading.Channels;

namespace StreamingGreeter.Client.Input;

/// <summary>
/// Chat at a terminal: keys are read one by one into a buffer of its own, so that when an event arrives the line
/// being typed is cleared, the event printed, and the prompt and the buffer drawn again — never mangled.
/// </summary>
internal sealed class TerminalChatConsole(TextWriter output) : IChatConsole
{
    private const string Prompt = "> ";
    private const string ClearLine = "\r\u001b[K";

    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly StringBuilder _buffer = new();
    private readonly Lock _gate = new();
    private bool _ended;

    public ChannelReader<string> Lines => _lines.Reader;

    public void Start()
    {
        lock (_gate)
        {
            output.Write(Prompt);
            output.Flush();
        }

        var thread = new Thread(Read) { IsBackground = true, Name = "chat keys" };
        thread.Start();
    }

    public void EndInput()
    {
        lock (_gate)
        {
            if (!_ended)
            {
                _ended = true;
                output.Write(ClearLine);
                output.Flush();
            }
        }

        _lines.Writer.TryComplete();
    }

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            output.Write(ClearLine);
            output.Write(line);
            output.Write('\n');
            if (!_ended)
            {
                output.Write(Prompt);
                output.Write(_buffer);
            }

            output.Flush();
        }
    }

    public void Dispose() => EndInput();

    private void Read()
    {
        try
        {
            while (!_lines.Reader.Completion.IsCompleted)
            {
                var key = Console.ReadKey(intercept: true);
                if (!OnKey(key))
                {
                    break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // The console went away.
        }
        catch (IOException)
        {
            // The console went away.
        }

        EndInput();
    }

    /// <summary>Applies one key; false at the end of input (Ctrl+D on an empty line).</summary>
    private bool OnKey(ConsoleKeyInfo key)
    {
        lock (_gate)
        {
            if (_ended)
            {
                return false;
            }

            switch (key.Key)
            {
                case ConsoleKey.Enter:
                    var line = _buffer.ToString();
                    _buffer.Clear();
                    // The line comes back as the room's event; until then the prompt is empty again.
                    output.Write(ClearLine + Prompt);
                    output.Flush();
                    if (line.Length > 0)
                    {
                        _lines.Writer.TryWrite(line);
                    }

                    return true;
                case ConsoleKey.Backspace:
                    if (_buffer.Length > 0)
                    {
                        _buffer.Length--;
                        output.Write("\b \b");
                        output.Flush();
                    }

                    return true;
            }

            switch (key.KeyChar)
            {
                case '\u0004' when _buffer.Length == 0:
                    return false;
                case '\u0015':
                    // Ctrl+U: forget the line.
                    _buffer.Clear();
                    output.Write(ClearLine + Prompt);
                    output.Flush();
                    return true;
                case var c when !char.IsControl(c):
                    _buffer.Append(c);
                    output.Write(c);
                    output.Flush();
                    return true;
                default:
                    return true;
            }
        }
    }
}
