using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The link a sign-up e-mails, <c>/sign-up/{token}</c> (<c>sgv_{region}_…</c>, naming its region). Opening it only shows
/// a button: mail scanners that fetch links must not spend it. Pressing it lets the region's API create the account
/// and its organization, and the first session lands in the session cookie as after a sign-in.
/// </summary>
public sealed class SignUpVerifyModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    [FromRoute]
    public string Token { get; set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await RegionAsync(ct) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        if (await RegionAsync(ct) is not { } region) return NotFound();
        var (result, problem) = await api.VerifySignUpAsync(region, Token, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (result?.Session is not { } session)
        {
            Error = problem?.Describe() ?? SenderText.S("SignUpVerify.Failed");
            Response.StatusCode = problem?.Status ?? 400;
            return Page();
        }
        new AccountSession(region, Session: session).Write(HttpContext, protection, options);
        return Redirect("/account");
    }

    private Task<string?> RegionAsync(CancellationToken ct) => AccountRegions.OfLinkAsync(Token, "sgv", api, options, ct);
}
