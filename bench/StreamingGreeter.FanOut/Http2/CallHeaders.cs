using System.Text;

namespace StreamingGreeter.FanOut.Http2;

/// <summary>What one header block of a gRPC response says: its HTTP status, its gRPC status and message, and (response
/// headers of Subscribe) <c>greeter-sequence</c>. Absent values are -1 and null.</summary>
internal readonly record struct CallHeaders(int HttpStatus, int GrpcStatus, string? GrpcMessage, long StartSequence)
{
    private static readonly byte[] Status = ":status"u8.ToArray();
    private static readonly byte[] GrpcStatusName = "grpc-status"u8.ToArray();
    private static readonly byte[] GrpcMessageName = "grpc-message"u8.ToArray();
    private static readonly byte[] SequenceName = "greeter-sequence"u8.ToArray();

    public static CallHeaders Parse(ReadOnlySpan<byte> block)
    {
        var httpStatus = -1;
        var grpcStatus = -1;
        string? grpcMessage = null;
        var startSequence = -1L;
        var reader = new HeaderBlockReader(block);
        while (reader.TryReadNext(out var name, out var value))
        {
            if (name.SequenceEqual(Status))
            {
                httpStatus = (int)ChatEventReader.ParseDecimal(value);
            }
            else if (name.SequenceEqual(GrpcStatusName))
            {
                grpcStatus = (int)ChatEventReader.ParseDecimal(value);
            }
            else if (name.SequenceEqual(GrpcMessageName))
            {
                grpcMessage = Uri.UnescapeDataString(Encoding.UTF8.GetString(value));
            }
            else if (name.SequenceEqual(SequenceName))
            {
                startSequence = ChatEventReader.ParseDecimal(value);
            }
        }

        return new CallHeaders(httpStatus, grpcStatus, grpcMessage, startSequence);
    }
}
