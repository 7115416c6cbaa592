using Grpc.AspNetCore.Server;
using StreamingGreeter.Protos;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// The Greeter methods a browser can call over gRPC-Web: unary and server streaming ones. Client and bidirectional
/// streaming need a request body that streams while the response does, which browsers' fetch does not do.
/// </summary>
internal static class BrowserMethods
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "SayHello",
        "SayHelloStream",
        "Subscribe",
        "Publish",
    };

    public static bool Includes(GrpcMethodMetadata method) =>
        method.Method.ServiceName == Greeter.Descriptor.FullName && Names.Contains(method.Method.Name);
}
