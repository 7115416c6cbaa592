using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace StreamingGreeter.AspNetCore.Web;

/// <summary>
/// A refused web request as RFC 7807 problem details: the HTTP status of the gRPC status the same refusal gets from
/// the Greeter service, with its message as <c>detail</c>, the gRPC code as <c>code</c> and, where one input is to
/// blame, its name as <c>field</c>.
/// </summary>
internal static class WebProblems
{
    public static ProblemHttpResult From(StatusCode code, string detail, string? field = null, string? limit = null)
    {
        var extensions = new Dictionary<string, object?> { ["code"] = CodeName(code) };
        if (field is not null)
        {
            extensions["field"] = field;
        }

        if (limit is not null)
        {
            extensions["limit"] = limit;
        }

        return TypedResults.Problem(detail: detail, statusCode: HttpStatus(code), extensions: extensions);
    }

    public static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>The canonical name of a gRPC code, as the contract's documentation and other languages spell it.</summary>
    public static string CodeName(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument => "INVALID_ARGUMENT",
        StatusCode.Unauthenticated => "UNAUTHENTICATED",
        StatusCode.PermissionDenied => "PERMISSION_DENIED",
        StatusCode.ResourceExhausted => "RESOURCE_EXHAUSTED",
        StatusCode.Unavailable => "UNAVAILABLE",
        StatusCode.DeadlineExceeded => "DEADLINE_EXCEEDED",
        StatusCode.Cancelled => "CANCELLED",
        _ => "INTERNAL",
    };
}
