using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Sigill.Web.Pages;

/// <summary>
/// The web tier's own error page (<c>/error/{code}</c>), re-executed for any page or address outside <c>/api</c> that
/// ends in an error status without a body of its own, and for an unhandled exception (500): the site's layout, a plain
/// sentence, a way back, and the trace id. The API keeps answering with problem details.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }
    public string Heading { get; private set; } = "";
    public string Sentence { get; private set; } = "";
    public string Back { get; private set; } = "/";
    public string BackLabel { get; private set; } = "Go to the start page";
    public string TraceId { get; private set; } = "";

    public void OnGet(int? code) => Describe(code);

    public void OnPost(int? code) => Describe(code);

    private void Describe(int? code)
    {
        // Re-executed: the original status stands. Opened directly: the code in the address, or 500 after an exception.
        var reExecuted = HttpContext.Features.Get<IStatusCodeReExecuteFeature>() is not null || HttpContext.Features.Get<IExceptionHandlerPathFeature>() is not null;
        Status = reExecuted && Response.StatusCode >= 400 ? Response.StatusCode : code is >= 400 and < 600 ? code.Value : 500;
        Response.StatusCode = Status;
        TraceId = Activity.Current?.TraceId.ToString() ?? HttpContext.TraceIdentifier;
        (Heading, Sentence) = Status switch
        {
            400 => ("That request could not be read", "Something in what was sent was not in the expected form. Go back and try again."),
            401 or 403 => ("You cannot open this page", "You may need to sign in, or your role does not allow it. Ask an owner or admin of your organization if you need access."),
            404 => ("This page does not exist", "The address may be mistyped, or what it pointed to was removed."),
            405 => ("That did not work", "This page cannot be used that way. Go back and use its buttons."),
            413 => ("That file is too large", "The upload is over the size this installation accepts. Make the file smaller and try again."),
            429 => ("Too many attempts", "Please wait a moment before trying again."),
            502 or 503 or 504 => ("Sigill is not reachable right now", "The service behind this page did not answer. Try again in a minute."),
            _ => ("Something went wrong", "The error has been recorded. Try again; if it keeps happening, tell support the reference below."),
        };
        if (Request.Cookies.Count > 0 && Status != 401)
        {
            (Back, BackLabel) = ("/documents", "Go to your documents");
        }
    }
}
