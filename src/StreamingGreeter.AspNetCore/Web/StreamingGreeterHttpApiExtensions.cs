namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Serves the Greeter's annotated methods as JSON over HTTP, for publishers without a gRPC client.</summary>
public static class StreamingGreeterHttpApiExtensions
{
    /// <summary>
    /// Turns on gRPC JSON transcoding for the routes greeter.proto declares: <c>POST /rooms/{room}/events</c> publishes
    /// (<c>{"sender", "text", "message_id", "data" (base64), "content_type"}</c> in, <c>{"sequence", "epoch"}</c> out) and <c>GET /hello/{name}</c> greets.
    /// The calls go through the same validation, authentication (<c>Authorization: Bearer</c>) and limits as gRPC
    /// ones; a refusal is the HTTP status of its gRPC status with a JSON body carrying the message.
    /// </summary>
    public static IStreamingGreeterBuilder AddHttpApi(this IStreamingGreeterBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddGrpc().AddJsonTranscoding();
        return builder;
    }
}
