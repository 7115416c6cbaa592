namespace StreamingGreeter.AspNetCore.Web;

/// <summary>One file of the page, read once from the assembly's resources.</summary>
internal sealed class PageAsset(string route, string contentType, byte[] content, string etag)
{
    public string Route { get; } = route;

    public string ContentType { get; } = contentType;

    public byte[] Content { get; } = content;

    public string ETag { get; } = etag;
}
