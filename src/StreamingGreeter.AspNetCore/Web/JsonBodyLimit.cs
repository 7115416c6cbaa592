using Microsoft.AspNetCore.Http.Metadata;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>The largest body a JSON route of the Greeter reads (routing applies it to the request before the route runs).</summary>
internal sealed class JsonBodyLimit(long bytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = bytes;
}
