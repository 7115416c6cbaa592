using System.CommandLine;
using StreamingGreeter.Client.Connection;
using StreamingGreeter.Protos;

namespace StreamingGreeter.Client.Commands;

/// <summary>
/// <c>greeter who --room R</c>: Presence, page after page, then PresenceStats: one line per member (sender, identity,
/// connections, joined time), then the room's counts.
/// </summary>
internal static class WhoCommand
{
    /// <summary>The server's largest page: the fewest calls for a big room.</summary>
    private const int PageSize = 1000;

    private static readonly Option<string> Room = RoomOptions.Room();

    public static Command Create()
    {
        var command = new Command("who", "List who is in a room (unary Presence and PresenceStats): each member, then the counts") { Room };
        command.SetBody(RunAsync);
        return command;
    }

    private static async Task<ExitCode> RunAsync(ParseResult parsed, ClientContext context, CancellationToken cancellationToken)
    {
        var room = parsed.GetRequiredValue(Room);
        using var channel = GreeterChannel.Open(context.Addresses);
        var client = GreeterChannel.Client(channel);
        var token = string.Empty;
        do
        {
            var page = await client.PresenceAsync(
                new PresenceRequest { Room = room, PageSize = PageSize, PageToken = token }, deadline: context.Deadline(), cancellationToken: cancellationToken);
            foreach (var member in page.Members)
            {
                context.Out.WriteLine(context.Format.Member(room, member));
            }

            token = page.NextPageToken;
        }
        while (token.Length > 0);

        var stats = await client.PresenceStatsAsync(new PresenceStatsRequest { Room = room }, deadline: context.Deadline(), cancellationToken: cancellationToken);
        context.Out.WriteLine(context.Format.Stats(room, stats));
        return ExitCode.Ok;
    }
}
