using System.Text;
using Google.Protobuf;
using Grpc.Core;

namespace StreamingGreeter.AspNetCore.Services;

/// <summary>The contract's limits. Each failure is INVALID_ARGUMENT with a message naming the field and the limit.</summary>
internal static class RequestValidation
{
    public const int MaxNameLength = 256;
    public const int MaxRoomLength = 64;
    public const int MaxContentTypeLength = 255;
    public const int MaxEpochLength = 64;
    public const int MaxMessageIdLength = 64;
    public const int MaxCount = 100_000;
    public const int MaxIntervalMs = 60_000;
    public const string RoomPattern = "^[A-Za-z0-9._:-]{1,64}$";

    /// <summary>A name or sender: 1 to 256 characters, not only whitespace.</summary>
    public static void Name(string value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw Invalid($"{field} is required: 1 to {MaxNameLength} characters, not only whitespace");
        }

        if (value.Length > MaxNameLength)
        {
            throw Invalid($"{field} is {value.Length} characters long; the limit is {MaxNameLength}");
        }
    }

    public static void Room(string value, string field = "room")
    {
        if (value.Length is 0 or > MaxRoomLength || !value.All(IsRoomChar))
        {
            throw Invalid($"{field} \"{Shorten(value)}\" is invalid: it must match {RoomPattern}");
        }
    }

    /// <summary>
    /// A message's payload: the UTF-8 bytes of its text and its data together at most <paramref name="maxEventBytes"/>
    /// (Greeter:MaxEventBytes), and its content type short printable ASCII, as a MIME type is.
    /// </summary>
    public static void Payload(string text, ByteString data, string contentType, int maxEventBytes)
    {
        // Counting UTF-8 walks the text: not needed while even three bytes a character would fit.
        var bytes = (3L * text.Length) + data.Length <= maxEventBytes ? 0 : Encoding.UTF8.GetByteCount(text) + (long)data.Length;
        if (bytes > maxEventBytes)
        {
            var what = data.Length == 0 ? "text is" : text.Length == 0 ? "data is" : "data and text are";
            throw Invalid($"{what} {bytes} bytes: at most {maxEventBytes} (Greeter:MaxEventBytes)");
        }

        if (contentType.Length > MaxContentTypeLength)
        {
            throw Invalid($"content_type is {contentType.Length} characters long; the limit is {MaxContentTypeLength}");
        }

        // The value is not echoed: it is the client's, control characters included.
        if (contentType.AsSpan().IndexOfAnyExceptInRange(' ', '~') is var bad and >= 0)
        {
            throw Invalid($"content_type has a character that is not printable ASCII at position {bad}: it must be a MIME type such as application/json");
        }
    }

    /// <summary>A publisher's sender: optional for Publish, at most 256 characters.</summary>
    public static void OptionalSender(string value)
    {
        if (value.Length > MaxNameLength)
        {
            throw Invalid($"sender is {value.Length} characters long; the limit is {MaxNameLength}");
        }
    }

    /// <summary>A client's message id: optional, at most 64 characters.</summary>
    public static void MessageId(string value)
    {
        if (value.Length > MaxMessageIdLength)
        {
            throw Invalid($"message_id is {value.Length} characters long; the limit is {MaxMessageIdLength}");
        }
    }

    public static void Resume(long afterSequence, string epoch)
    {
        if (afterSequence < 0)
        {
            throw Invalid($"after_sequence must be 0 or more (got {afterSequence})");
        }

        if (epoch.Length > MaxEpochLength)
        {
            throw Invalid($"epoch is {epoch.Length} characters long; the limit is {MaxEpochLength}");
        }
    }

    public static void Range(long value, string field, long min, long max)
    {
        if (value < min || value > max)
        {
            throw Invalid($"{field} must be between {min} and {max} (got {value})");
        }
    }

    public static void NotNegative(long value, string field)
    {
        if (value < 0)
        {
            throw Invalid($"{field} must be 0 or more (got {value})");
        }
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static bool IsRoomChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-';

    private static string Shorten(string value) => value.Length <= MaxRoomLength ? value : string.Concat(value.AsSpan(0, MaxRoomLength), "…");
}
