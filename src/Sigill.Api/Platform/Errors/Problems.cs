using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// RFC 9457 problem details with a stable machine-readable <c>code</c>. Clients branch on the code,
/// never on the human text. Each code is documented in docs/errors.md.
/// </summary>
public static class Problems
{
    public const string DocsBase = "https://sigill.dev/docs/errors#";

    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = DocsBase + code,
            Extensions = { ["code"] = code },
        });

    public static ProblemHttpResult Validation(string detail) => Create(StatusCodes.Status400BadRequest, "validation_failed", "The request is not valid.", detail);

    public static ProblemHttpResult Conflict(string code, string detail) => Create(StatusCodes.Status409Conflict, code, "The request conflicts with the current state.", detail);

    /// <summary>Fills in a code for problems the framework writes (404 for unknown routes, 500 from the exception handler, ...).</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!problem.Extensions.ContainsKey("code"))
        {
            var code = problem.Status switch
            {
                400 => "bad_request",
                401 => "unauthorized",
                403 => "forbidden",
                404 => "not_found",
                405 => "method_not_allowed",
                409 => "conflict",
                413 => "payload_too_large",
                415 => "unsupported_media_type",
                429 => "rate_limited",
                _ when problem.Status >= 500 => "internal_error",
                _ => "error",
            };
            problem.Extensions["code"] = code;
            problem.Type ??= DocsBase + code;
        }
        // Never echo exception text in a 5xx: the exception handler's detail is replaced wholesale.
        if (problem.Status >= 500)
        {
            problem.Title = "An unexpected error occurred.";
            problem.Detail = "The error was logged with the trace id below.";
        }
        problem.Extensions.Remove("exception");
        problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
    }
}
