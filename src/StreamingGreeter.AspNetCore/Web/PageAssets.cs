using System.Security.Cryptography;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>The page's files, embedded in this assembly (Web/Page), so an app serves them with no folder on disk.</summary>
internal static class PageAssets
{
    private const string ResourcePrefix = "StreamingGreeter.AspNetCore.Web.Page.";

    public static readonly IReadOnlyList<PageAsset> All =
    [
        Load("/", "index.html", "text/html; charset=utf-8"),
        Load("/greeter.js", "greeter.js", "text/javascript; charset=utf-8"),
        Load("/greeter.css", "greeter.css", "text/css; charset=utf-8"),
    ];

    private static PageAsset Load(string route, string file, string contentType)
    {
        using var stream = typeof(PageAssets).Assembly.GetManifestResourceStream(ResourcePrefix + file)
            ?? throw new InvalidOperationException($"The page's {file} is not embedded in {typeof(PageAssets).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var content = copy.ToArray();
        // The files change only with the assembly: a hash of the content lets a browser revalidate for free.
        var etag = "\"" + Convert.ToHexString(SHA256.HashData(content), 0, 8) + "\"";
        return new PageAsset(route, contentType, content, etag);
    }
}
