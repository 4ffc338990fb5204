using Microsoft.AspNetCore.Localization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// A template's public direct link at <c>/direct/{token}</c> (docs/direct-links.md): the person gives a name and an e-mail
/// address, the API makes them a document of their own, and they continue on the normal signing page, which first
/// e-mails a code to that address. A link that is unknown answers 404; disabled, expired or used up, 410.
/// </summary>
public sealed class DirectLinkModel(ApiClient api) : PageModel
{
    public ApiClient.DirectLinkView? Link { get; private set; }
    public string? Error { get; private set; }

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct) => await LoadAsync(token, ct) ?? Page();

    public async Task<IActionResult> OnPostAsync(string token, CancellationToken ct)
    {
        if (await LoadAsync(token, ct) is { } gone) return gone;
        ApiClient.TryParseDirectToken(token, out var region);
        var (signingUrl, problem) = await api.StartDirectLinkAsync(region, token, Name.Trim(), Email.Trim(), HttpContext.Connection.RemoteIpAddress?.ToString(), ct,
            BrowserLanguage());
        if (problem is not null)
        {
            Error = problem.Describe();
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
            return Page();
        }
        return LocalRedirect(signingUrl!);
    }

    /// <summary>
    /// The language this page speaks when the browser's Accept-Language named one Sigill speaks, else null (the page's
    /// English is then only the fallback, and the document takes the organization's language).
    /// </summary>
    private string? BrowserLanguage() => HttpContext.Features.Get<IRequestCultureFeature>()?.Provider is not null ? PublicText.Lang : null;

    /// <summary>Reads the link; null when it is live (the page shows it), else the page with the error and its status.</summary>
    private async Task<IActionResult?> LoadAsync(string token, CancellationToken ct)
    {
        if (!ApiClient.TryParseDirectToken(token, out var region))
        {
            return NotFound();
        }
        var (link, problem) = await api.GetDirectLinkAsync(region, token, ct);
        if (link is not null)
        {
            Link = link;
            return null;
        }
        if (problem?.Status == StatusCodes.Status404NotFound) return NotFound();
        Error = problem?.Detail ?? problem?.Describe(); // the heading already says the link no longer works
        Response.StatusCode = problem?.Status ?? 500;
        return Page();
    }
}
