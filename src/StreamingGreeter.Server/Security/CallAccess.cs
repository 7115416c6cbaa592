using System.Globalization;
using System.Security.Claims;
using Grpc.Core;

namespace StreamingGreeter.Server.Security;

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
    public static CallAccess? Of(ServerCallContext context) => context.GetHttpContext().Features.Get<CallAccess>();

    /// <summary>Reads a validated token's principal; null when it names nobody (neither <c>name</c> nor <c>sub</c>).</summary>
    public static CallAccess? From(ClaimsPrincipal principal, DateTimeOffset expires)
    {
        var subject = principal.FindFirst(TokenClaims.Subject)?.Value;
        var name = principal.FindFirst(TokenClaims.Name)?.Value;
        var identity = string.IsNullOrWhiteSpace(name) ? subject : name;
        if (string.IsNullOrWhiteSpace(identity))
        {
            return null;
        }

        var both = Patterns(principal, TokenClaims.Rooms, subject, name);
        return new CallAccess(
            identity,
            expires,
            [.. both, .. Patterns(principal, TokenClaims.Subscribe, subject, name)],
            [.. both, .. Patterns(principal, TokenClaims.Publish, subject, name)]);
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

    private static List<RoomPattern> Patterns(ClaimsPrincipal principal, string type, string? subject, string? name)
    {
        var patterns = new List<RoomPattern>();
        foreach (var claim in principal.FindAll(type))
        {
            // A JSON array arrives as one claim per element; a string may list several patterns, as OAuth scopes do.
            foreach (var text in claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (RoomPattern.Compile(text, subject, name) is { } pattern)
                {
                    patterns.Add(pattern);
                }
            }
        }

        return patterns;
    }
}
