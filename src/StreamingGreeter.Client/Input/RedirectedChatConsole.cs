using System.Threading.Channels;

namespace StreamingGreeter.Client.Input;

/// <summary>Chat from a pipe or a file: lines are read with ReadLine, events are printed plainly.</summary>
internal sealed class RedirectedChatConsole(TextReader input, TextWriter output) : IChatConsole
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _gate = new();

    public ChannelReader<string> Lines => _lines.Reader;

    public void Start()
    {
        var thread = new Thread(Read) { IsBackground = true, Name = "chat input" };
        thread.Start();
    }

    public void EndInput() => _lines.Writer.TryComplete();

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    public void Dispose() => _lines.Writer.TryComplete();

    private void Read()
    {
        try
        {
            while (input.ReadLine() is { } line)
            {
                if (line.Length > 0 && !_lines.Writer.TryWrite(line))
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // A broken input is the end of input.
        }
        finally
        {
            _lines.Writer.TryComplete();
        }
    }
}
