using System.Threading.Channels;
using StreamingGreeter.Client.Output;

namespace StreamingGreeter.Client.Input;

/// <summary>Chat's side of the console: the lines the user enters, and a sink that prints events around them.</summary>
internal interface IChatConsole : ILineSink, IDisposable
{
    /// <summary>Lines entered, completed at the end of input.</summary>
    ChannelReader<string> Lines { get; }

    /// <summary>Starts reading input on a thread of its own: console reads block and cannot be cancelled.</summary>
    void Start();

    /// <summary>Ends input as if it had ended (Ctrl+C): what was entered is still sent, then chat leaves.</summary>
    void EndInput();
}
