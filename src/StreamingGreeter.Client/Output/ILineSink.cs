namespace StreamingGreeter.Client.Output;

/// <summary>Where lines of output go: straight to standard output, or around the line being typed in chat.</summary>
internal interface ILineSink
{
    void WriteLine(string line);
}
