using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The link a privacy request e-mails, <c>/privacy/request/{token}</c> (<c>sgq_{region}_…</c>). Opening it only shows a
/// button, so a mail scanner fetching the link spends nothing; pressing it confirms the request at the region's API.
/// </summary>
public sealed class PrivacyRequestConfirmModel(ApiClient api, WebTierOptions options) : PageModel
{
    [FromRoute]
    public string Token { get; set; } = "";

    public bool Done { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await RegionAsync(ct) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await RegionAsync(ct) is not { } region) return NotFound();
        var problem = await api.ConfirmPrivacyRequestAsync(region, Token, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (problem is not null)
        {
            Error = problem.Describe();
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
            return Page();
        }
        Done = true;
        return Page();
    }

    private Task<string?> RegionAsync(CancellationToken ct) => AccountRegions.OfLinkAsync(Token, "sgq", api, options, ct);
}
