namespace StreamingGreeter.AspNetCore.Web;

/// <summary>Endpoint metadata: this route accepts its bearer token in the access_token query parameter.</summary>
internal sealed class AccessTokenQueryMetadata
{
    public static readonly AccessTokenQueryMetadata Instance = new();
}
