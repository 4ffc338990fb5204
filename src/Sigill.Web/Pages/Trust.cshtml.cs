using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/trust</c>, the public trust center: generated from the live installation by the API tier (regions, encryption,
/// audit logs, backups and drills, sub-processors, the declared hosting, the security contact). No script needed.
/// </summary>
public sealed class TrustModel(ApiClient api) : PageModel
{
    public TrustView? Trust { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        Trust = await api.GetTrustAsync(ct);
        if (Trust is null)
        {
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable; // not cached: the next request asks again
        }
        else
        {
            Response.Headers.CacheControl = "public, max-age=60";
            Response.Headers.Vary = "Accept-Language, Cookie"; // the words follow the language (PageLanguage)
        }
        return Page();
    }

    public static string KeyProvider(string kind) => PublicText.P(kind == "hsm" ? "Trust.KeyProvider.hsm" : "Trust.KeyProvider.file");

    /// <summary>A figure for a person to read (seconds of a drill), in the page's language: <c>2,3</c> in Swedish, <c>2.3</c> in English.</summary>
    public static string Number(double value) =>
        value.ToString("0.0", PageLanguage.Lang == Languages.English ? System.Globalization.CultureInfo.InvariantCulture : Languages.Culture(PageLanguage.Lang));
}
