using System.Globalization;
using System.Resources;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace Sigill.Api.Platform.Errors;

/// <summary>
/// RFC 9457 problem details with a stable machine-readable <c>code</c>. Clients branch on the code,
/// never on the human text. The codes are the closed set of <see cref="ErrorCodes"/>, each documented in docs/errors.md.
/// The human text follows the request's <c>Accept-Language</c> (<see cref="Translate"/>); the code, status, type and
/// every extension never do.
/// </summary>
public static class Problems
{
    public const string DocsBase = "https://sigill.dev/docs/errors#";

    /// <param name="code">One of <see cref="ErrorCodes"/>: an unknown code is a bug, refused here rather than published.</param>
    public static ProblemHttpResult Create(int status, string code, string title, string? detail = null) =>
        !ErrorCodes.All.ContainsKey(code) ? throw new ArgumentOutOfRangeException(nameof(code), code, "Not in ErrorCodes (and docs/errors.md).") :
        TypedResults.Problem(new ProblemDetails
        {
            Status = status,
            Title = title,
            Detail = detail,
            Type = DocsBase + code,
            Extensions = { ["code"] = code },
        });

    public static ProblemHttpResult Validation(string detail) => Create(StatusCodes.Status400BadRequest, ErrorCodes.ValidationFailed, "The request is not valid.", detail);

    /// <summary>A language code Sigill does not speak (<see cref="Languages.Supported"/>); <c>field</c> names where it was sent.</summary>
    public static ProblemHttpResult LanguageUnsupported(string field)
    {
        var problem = Create(StatusCodes.Status400BadRequest, ErrorCodes.LanguageUnsupported, "Sigill does not speak this language.",
            $"{field} is one of {string.Join(", ", Languages.Supported)} (lower case, no region).");
        problem.ProblemDetails.Extensions["field"] = field;
        return problem;
    }

    public static ProblemHttpResult Conflict(string code, string detail) => Create(StatusCodes.Status409Conflict, code, "The request conflicts with the current state.", detail);

    /// <summary>Marks, in <see cref="HttpContext.Items"/>, a 5xx problem written by <see cref="WriteFixedAsync"/>.</summary>
    private static readonly object FixedText = new();

    /// <summary>
    /// Writes, from an exception handler, a problem whose title and detail are fixed text that says what happened and what
    /// to do (never a host, a path or an exception's message): <see cref="Customize"/> keeps that text where it replaces
    /// the text of every other 5xx.
    /// </summary>
    internal static ValueTask<bool> WriteFixedAsync(IProblemDetailsService problems, HttpContext http, int status, string code, string title, string detail)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(ErrorCodes.All.ContainsKey(code), true, nameof(code));
        http.Response.StatusCode = status;
        http.Items[FixedText] = true;
        return problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Type = DocsBase + code,
                Extensions = { ["code"] = code },
            },
        });
    }

    /// <summary>Fills in a code for problems the framework writes (404 for unknown routes, 500 from the exception handler, ...).</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!problem.Extensions.ContainsKey("code"))
        {
            var code = problem.Status switch
            {
                400 => ErrorCodes.BadRequest,
                401 => ErrorCodes.Unauthorized,
                403 => ErrorCodes.Forbidden,
                404 => ErrorCodes.NotFound,
                405 => ErrorCodes.MethodNotAllowed,
                409 => ErrorCodes.Conflict,
                413 => ErrorCodes.PayloadTooLarge,
                415 => ErrorCodes.UnsupportedMediaType,
                429 => ErrorCodes.RateLimited,
                _ when problem.Status >= 500 => ErrorCodes.InternalError,
                _ => ErrorCodes.Error,
            };
            problem.Extensions["code"] = code;
            problem.Type ??= DocsBase + code;
        }
        // Never echo exception text in a 5xx: its title and detail are replaced wholesale, unless they are fixed text
        // (WriteFixedAsync).
        if (problem.Status >= 500 && !context.HttpContext.Items.ContainsKey(FixedText))
        {
            problem.Title = "An unexpected error occurred.";
            problem.Detail = "The error was logged with the trace id below.";
        }
        problem.Extensions.Remove("exception");
        problem.Extensions["traceId"] = context.HttpContext.TraceIdentifier;
        Translate(context.HttpContext, problem);
    }

    /// <summary>The problems' words in five languages (<c>Resources/ProblemText*.resx</c>): <c>Title.&lt;code&gt;</c> for every code, <c>Detail.&lt;code&gt;</c> for fixed details.</summary>
    internal static readonly ResourceManager Text = new("Sigill.Api.Platform.Errors.Resources.ProblemText", typeof(Problems).Assembly);

    /// <summary>
    /// The language a problem is written in: the first of the request's <c>Accept-Language</c> ranges (by quality) that
    /// names a language Sigill speaks, a region ignored (<c>de-CH</c> is German); else English.
    /// </summary>
    public static string LanguageOf(HttpRequest request)
    {
        var ranges = request.GetTypedHeaders().AcceptLanguage;
        if (ranges is not { Count: > 0 }) return Languages.English;
        var preferred = ranges.Where(r => r.Quality != 0).OrderByDescending(r => r.Quality ?? 1).Select(r => r.Value.ToString());
        return Languages.FirstSupported(preferred) ?? Languages.English;
    }

    /// <summary>
    /// Writes <paramref name="problem"/>'s words in the request's language and says which (<c>Content-Language</c>). In
    /// English nothing changes. In another language the title is the code's title in that language; the detail is
    /// translated only where it is the code's fixed text (<c>Detail.&lt;code&gt;</c> in English, word for word), and
    /// otherwise stays the English detail, which names specifics (fields, limits, values) a client or an operator may
    /// quote. <c>code</c>, <c>status</c>, <c>type</c> and the extensions (<c>field</c>, <c>retryAfter</c>, ...) never change.
    /// </summary>
    internal static void Translate(HttpContext http, ProblemDetails problem)
    {
        var language = LanguageOf(http.Request);
        if (!http.Response.HasStarted)
        {
            http.Response.Headers.ContentLanguage = language;
            http.Response.Headers.Append(HeaderNames.Vary, HeaderNames.AcceptLanguage);
        }
        if (language == Languages.English || problem.Extensions.TryGetValue("code", out var value) is false || value is not string code) return;
        var culture = Languages.Culture(language);
        if (Text.GetString("Title." + code, culture) is { } title) problem.Title = title;
        if (problem.Detail is { } detail && Text.GetString("Detail." + code, CultureInfo.InvariantCulture) is { } fixedDetail && detail == fixedDetail)
        {
            problem.Detail = Text.GetString("Detail." + code, culture) ?? detail;
        }
    }
}
