using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;

namespace StreamingGreeter.AspNetCore.Security;

/// <summary>
/// What one authenticated call may do: who it speaks as, which rooms it may subscribe to and publish into, and when
/// its token expires. Built once per call by <see cref="AuthInterceptor"/>; absent when Auth:Mode is None.
/// </summary>
internal sealed class CallAccess : IDisposable
{
    /// <summary>About the longest one timer waits (2^32 - 2 ms, some 49.7 days).</summary>
    private static readonly TimeSpan MaxTimer = TimeSpan.FromDays(49);

    private readonly RoomPattern[] _subscribe;
    private readonly RoomPattern[] _publish;
    private CancellationTokenSource? _expiry;
    private ExpiryWatch? _far;

    private CallAccess(string identity, DateTimeOffset expires, RoomPattern[] subscribe, RoomPattern[] publish)
    {
        Identity = identity;
        Expires = expires;
        _subscribe = subscribe;
        _publish = publish;
    }

    /// <summary>The sender every event of this call carries: the token's <c>name</c>, else its <c>sub</c>.</summary>
    public string Identity { get; }

    public DateTimeOffset Expires { get; }

    /// <summary>Cancelled when the token expires, once <see cref="WatchExpiry"/> has been called; never otherwise.</summary>
    public CancellationToken Expired => _expiry?.Token ?? CancellationToken.None;

    public bool HasExpired => _expiry?.IsCancellationRequested == true;

    /// <summary>The access of an authenticated call, or null when the call is not authenticated (Auth:Mode None, or an open greeting).</summary>
    public static CallAccess? Of(ServerCallContext context) => Of(context.GetHttpContext());

    /// <summary>The access of an authenticated request, or null.</summary>
    public static CallAccess? Of(HttpContext http) => http.Features.Get<CallAccess>();

    /// <summary>
    /// Reads a validated token. Its identity is judged here (<see cref="TokenIdentity"/>): a token that names nobody,
    /// or names a sender no request could carry, is UNAUTHENTICATED for every call alike.
    /// </summary>
    public static CallAccess From(JsonWebToken token)
    {
        var identity = TokenIdentity.Of(token);
        var subject = TokenIdentity.Claim(token, TokenClaims.Subject);
        var name = TokenIdentity.Claim(token, TokenClaims.Name);
        var both = Patterns(token, TokenClaims.Rooms, subject, name);
        return new CallAccess(
            identity,
            // Whole seconds within the calendar: TokenLifetime refused any exp past it.
            new DateTimeOffset(DateTime.SpecifyKind(token.ValidTo, DateTimeKind.Utc)),
            [.. both, .. Patterns(token, TokenClaims.Subscribe, subject, name)],
            [.. both, .. Patterns(token, TokenClaims.Publish, subject, name)]);
    }

    /// <summary>Starts the clock that ends this call's stream when the token expires (plus the allowed clock skew).</summary>
    public void WatchExpiry(TimeSpan clockSkew, TimeProvider time)
    {
        // Saturated: an exp near the end of the calendar must not overflow into an exception.
        var end = Expires <= DateTimeOffset.MaxValue - clockSkew ? Expires + clockSkew : DateTimeOffset.MaxValue;
        var left = end - time.GetUtcNow();
        if (left <= MaxTimer)
        {
            _expiry = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.Zero, time);
            return;
        }

        // Further than one timer reaches: wait in steps, and cancel at the end of the last.
        _expiry = new CancellationTokenSource();
        _far = new ExpiryWatch(_expiry, end, MaxTimer, time);
    }

    public RpcException ExpiredError() => Unauthenticated(string.Create(
        CultureInfo.InvariantCulture,
        $"token expired at {Expires.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}: the stream ended; reconnect with a fresh token (and resume with after_sequence and epoch)"));

    /// <summary>
    /// The sender to use for a request that asked for <paramref name="requested"/>: the token's identity. Empty means
    /// "mine"; anything else must be exactly that, or nobody could tell a spoofed sender from a real one.
    /// </summary>
    public string SenderFor(string requested)
    {
        if (requested.Length == 0 || string.Equals(requested, Identity, StringComparison.Ordinal))
        {
            return Identity;
        }

        throw Denied($"sender \"{requested}\" is not this caller: the token authenticates \"{Identity}\"; leave sender empty or send \"{Identity}\"");
    }

    public void CheckSubscribe(string room) => Check(_subscribe, room, "subscribe to", TokenClaims.Subscribe);

    public void CheckPublish(string room) => Check(_publish, room, "publish into", TokenClaims.Publish);

    /// <summary>Chat both receives a room's events and sends into it, so it needs both grants.</summary>
    public void CheckChat(string room)
    {
        CheckSubscribe(room);
        CheckPublish(room);
    }

    public void Dispose()
    {
        // The watch first, so that no later step finds the source disposed (one running now copes with that).
        _far?.Dispose();
        _expiry?.Dispose();
    }

    public static RpcException Unauthenticated(string message) => new(new Status(StatusCode.Unauthenticated, message));

    private static RpcException Denied(string message) => new(new Status(StatusCode.PermissionDenied, message));

    private void Check(RoomPattern[] patterns, string room, string verb, string claim)
    {
        foreach (var pattern in patterns)
        {
            if (pattern.IsMatch(room))
            {
                return;
            }
        }

        var granted = patterns.Length == 0 ? "none" : string.Join(", ", patterns.Select(static p => p.Text));
        throw Denied($"\"{Identity}\" may not {verb} room \"{room}\": the token's {TokenClaims.Rooms} and {claim} claims grant {granted}");
    }

    /// <summary>
    /// The patterns of one claim, read off the token's payload rather than its claims: as claims, a string and an
    /// array of one element look the same, and only the string may be split.
    /// </summary>
    private static List<RoomPattern> Patterns(JsonWebToken token, string claim, string? subject, string? name)
    {
        var patterns = new List<RoomPattern>();
        if (!token.TryGetPayloadValue<object>(claim, out var value))
        {
            return patterns;
        }

        switch (value)
        {
            case string text:
                // A string may list several patterns separated by spaces, as OAuth scopes do.
                foreach (var each in text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    Add(each);
                }

                break;
            case JsonElement { ValueKind: JsonValueKind.Array } array:
                // Each element is one pattern, spaces and all: split, ["team-a *"] would grant every room.
                foreach (var element in array.EnumerateArray())
                {
                    if (element.ValueKind == JsonValueKind.String && element.GetString() is { Length: > 0 } each)
                    {
                        Add(each);
                    }
                }

                break;
            default:
                // A number, an object, null: no pattern, so no room.
                break;
        }

        return patterns;

        void Add(string text)
        {
            if (RoomPattern.Compile(text, subject, name) is { } pattern)
            {
                patterns.Add(pattern);
            }
        }
    }
}
