using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The link a password reset e-mails, <c>/reset-password/{token}</c> (<c>sgp_{region}_…</c>). Opening it only shows the
/// form, so a mail scanner fetching the link spends nothing; the new password goes to the region's API, which ends every
/// session of the account. This browser's own session cookie is cleared too, and the page sends the person to sign in.
/// </summary>
public sealed class ResetPasswordModel(ApiClient api, WebTierOptions options) : PageModel
{
    [FromRoute]
    public string Token { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    public bool Done { get; private set; }
    public bool LinkDead { get; private set; }
    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await RegionAsync(ct) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await RegionAsync(ct) is not { } region) return NotFound();
        var password = Password;
        Password = ""; // never rendered back
        var problem = await api.CompletePasswordResetAsync(region, Token, password, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (problem is not null)
        {
            Error = problem.Describe();
            LinkDead = problem.Code == "password_reset_link_invalid";
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
            return Page();
        }
        AccountSession.Clear(HttpContext, options);
        Done = true;
        return Page();
    }

    private Task<string?> RegionAsync(CancellationToken ct) => AccountRegions.OfLinkAsync(Token, "sgp", api, options, ct);
}
