using System.Diagnostics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Sigill.Web.Pages;

/// <summary>
/// The web tier's own error page (<c>/error/{code}</c>), re-executed for any page or address outside <c>/api</c> that
/// ends in an error status without a body of its own, and for an unhandled exception (500): the site's layout, a plain
/// sentence, a way back, and the trace id, in the browser's language (<c>Error.*</c> in <see cref="PublicText"/>). The
/// API keeps answering with problem details.
/// </summary>
[IgnoreAntiforgeryToken]
public sealed class ErrorModel : PageModel
{
    public int Status { get; private set; }
    public string Heading { get; private set; } = "";
    public string Sentence { get; private set; } = "";
    public string Back { get; private set; } = "/";
    public string BackLabel { get; private set; } = "";
    public string Lang { get; private set; } = Languages.English;
    public string Reference { get; private set; } = "";
    public string ReferenceHint { get; private set; } = "";
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
        // In the browser's language (Accept-Language): the page has no account or recipient to ask.
        Lang = Recipient.RecipientWords.FromBrowser(Request);
        var culture = Languages.Culture(Lang);
        string Text(string key) => PublicText.Resources.GetString(key, culture) ?? key;
        var kind = Status switch
        {
            400 or 404 or 405 or 413 or 429 => Status.ToString(System.Globalization.CultureInfo.InvariantCulture),
            401 or 403 => "403",
            502 or 503 or 504 => "503",
            _ => "500",
        };
        (Heading, Sentence) = (Text($"Error.{kind}.Heading"), Text($"Error.{kind}.Text"));
        BackLabel = Text("Error.Home");
        if (Request.Cookies.Count > 0 && Status != 401)
        {
            (Back, BackLabel) = ("/documents", Text("Error.Documents"));
        }
        Reference = string.Format(culture, Text("Error.Reference"), Status);
        ReferenceHint = Text("Error.ReferenceHint");
    }
}
