namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// One room pattern from a token: <c>*</c> matches any run of characters (anywhere, any number of times), and
/// <c>{sub}</c> / <c>{name}</c> stand for the token's own claims, taken literally. Compiled once per call.
/// </summary>
internal sealed class RoomPattern
{
    // The literal text between the stars: one part means no star at all.
    private readonly string[] _parts;

    private RoomPattern(string text, string[] parts)
    {
        Text = text;
        _parts = parts;
    }

    /// <summary>The pattern as the token wrote it, for messages.</summary>
    public string Text { get; }

    /// <summary>The pattern with its placeholders filled, or null when it names a claim the token does not have.</summary>
    public static RoomPattern? Compile(string pattern, string? subject, string? name)
    {
        var parts = pattern.Split('*');
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Contains('{', StringComparison.Ordinal))
            {
                if ((part.Contains("{sub}", StringComparison.Ordinal) && subject is null) || (part.Contains("{name}", StringComparison.Ordinal) && name is null))
                {
                    return null;
                }

                // Split first, then fill: a '*' inside a claim value is a character, never a wildcard.
                parts[i] = part.Replace("{sub}", subject, StringComparison.Ordinal).Replace("{name}", name, StringComparison.Ordinal);
            }
        }

        return new RoomPattern(pattern, parts);
    }

    public bool IsMatch(string room)
    {
        if (_parts.Length == 1)
        {
            return string.Equals(room, _parts[0], StringComparison.Ordinal);
        }

        var rest = room.AsSpan();
        var first = _parts[0];
        var last = _parts[^1];
        if (rest.Length < first.Length + last.Length || !rest.StartsWith(first, StringComparison.Ordinal) || !rest.EndsWith(last, StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[first.Length..^last.Length];
        for (var i = 1; i < _parts.Length - 1; i++)
        {
            // Taking the earliest match of each middle part leaves the most room for the rest: greedy is exact here.
            var at = rest.IndexOf(_parts[i], StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + _parts[i].Length)..];
        }

        return true;
    }
}
