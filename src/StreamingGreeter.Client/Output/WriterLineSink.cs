namespace StreamingGreeter.Client.Output;

/// <summary>Writes each line to a writer and flushes it, so a pipe sees every event as it arrives.</summary>
internal sealed class WriterLineSink(TextWriter writer) : ILineSink
{
    private readonly Lock _gate = new();

    public void WriteLine(string line)
    {
        lock (_gate)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}
