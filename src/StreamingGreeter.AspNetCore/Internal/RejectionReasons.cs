namespace StreamingGreeter.AspNetCore.Internal;

/// <summary>The values of the <c>reason</c> tag of <c>streaminggreeter.requests.rejected</c>.</summary>
internal static class RejectionReasons
{
    public const string InvalidArgument = "invalid_argument";
    public const string StreamsPerConnection = "streams_per_connection";
    public const string PublishRate = "publish_rate";
    public const string PresenceRate = "presence_rate";
    public const string Unauthenticated = "unauthenticated";
    public const string PermissionDenied = "permission_denied";
}
