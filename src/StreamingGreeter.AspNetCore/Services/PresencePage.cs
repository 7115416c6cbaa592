using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using StreamingGreeter.Hub;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>
/// One page of a room's members for Presence. The order is the hub's (sender, then identity, ordinal), and a page token
/// is the last member a page listed, so the next page starts after it whoever joined or left meanwhile.
/// </summary>
internal static class PresencePage
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    /// <summary>Marks a token as this server's, of this format: anything else is refused rather than misread.</summary>
    private const string TokenVersion = "p1";

    /// <summary>Longer than any token a member's sender and identity make: not decoded at all.</summary>
    private const int MaxTokenLength = 8192;

    public static int Size(int pageSize)
    {
        if (pageSize < 0 || pageSize > MaxPageSize)
        {
            throw RequestValidation.Invalid($"page_size must be between 0 and {MaxPageSize} (got {pageSize}); 0 means {DefaultPageSize}");
        }

        return pageSize == 0 ? DefaultPageSize : pageSize;
    }

    /// <summary>The member the previous page ended with, or null for the first page.</summary>
    public static RoomMember? After(string pageToken)
    {
        if (pageToken.Length == 0)
        {
            return null;
        }

        string[]? parts = null;
        if (pageToken.Length <= MaxTokenLength)
        {
            try
            {
                parts = Split(Encoding.UTF8.GetString(Base64Url.DecodeFromChars(pageToken)));
            }
            catch (FormatException)
            {
                // Not base64url: refused below.
            }
        }

        if (parts is not [TokenVersion, var sender, var identity])
        {
            throw RequestValidation.Invalid("page_token is not a token this server made: pass the previous reply's next_page_token unchanged, or empty for the first page");
        }

        return new RoomMember(sender, identity, 0, default);
    }

    public static PresenceReply Reply(RoomPresence presence, int size, RoomMember? after)
    {
        var members = presence.Members;
        var start = 0;
        if (after is not null)
        {
            // Members are sorted: the first one past the token. A binary search, since a page may be deep in a big room.
            var (low, high) = (0, members.Count);
            while (low < high)
            {
                var middle = (low + high) >>> 1;
                if (RoomPresence.Compare(members[middle], after) <= 0)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle;
                }
            }

            start = low;
        }

        var reply = new PresenceReply();
        var end = Math.Min(members.Count, start + size);
        for (var i = start; i < end; i++)
        {
            var member = members[i];
            reply.Members.Add(new PresenceReply.Types.Member
            {
                Sender = member.Sender,
                Identity = member.Identity,
                Connections = member.Connections,
                JoinedTime = Timestamp.FromDateTimeOffset(member.JoinedTime),
            });
        }

        if (end < members.Count)
        {
            var last = members[end - 1];
            // The sender's length, not a separator, ends it: a member's name may hold any character, NUL included.
            reply.NextPageToken = Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{TokenVersion}\0{last.Sender.Length}\0{last.Sender}{last.Identity}"));
        }

        return reply;
    }

    /// <summary>"version\0length\0sender+identity" into [version, sender, identity]; null when it is not that.</summary>
    private static string[]? Split(string token)
    {
        var first = token.IndexOf('\0', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('\0', first + 1);
        if (second < 0
            || !int.TryParse(token.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > token.Length - second - 1)
        {
            return null;
        }

        var rest = token[(second + 1)..];
        return [token[..first], rest[..length], rest[length..]];
    }

    public static PresenceStatsReply Stats(RoomPresence presence) => new()
    {
        Members = presence.Members.Count,
        Identities = presence.Members.Where(static m => m.Identity.Length > 0).Select(static m => m.Identity).Distinct(StringComparer.Ordinal).Count(),
        Subscribers = presence.Subscribers,
    };
}
