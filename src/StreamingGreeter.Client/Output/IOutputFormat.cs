using StreamingGreeter.Client.Load;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Output;

/// <summary>How replies, room events and notices become lines of standard output.</summary>
internal interface IOutputFormat
{
    string Reply(HelloReply reply);

    string Reply(HelloManyReply reply);

    string Reply(PublishReply reply);

    string Event(ChatEvent item);

    string Notice(Notice notice);

    string Report(FanoutReport report);
}
