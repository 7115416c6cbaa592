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

    /// <summary>One member of <paramref name="room"/>, as <c>greeter who</c> lists them.</summary>
    string Member(string room, PresenceReply.Types.Member member);

    /// <summary>The counts of <paramref name="room"/>, after its members.</summary>
    string Stats(string room, PresenceStatsReply stats);

    string Notice(Notice notice);

    string Report(FanoutReport report);
}
