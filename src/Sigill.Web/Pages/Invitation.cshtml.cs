using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The link in an invitation e-mail, <c>/invitations/{invitation}</c>. The invitation (<c>sgi_{region}_…</c>) names its
/// region, so the page asks that region's API: a new person chooses a name and password, someone with an account there
/// gives their password. Either way they are signed in to the organization that invited them; an account with an
/// authenticator app goes on to the sign-in page's code step first (the API joins them only once the code is given).
/// </summary>
public sealed class InvitationModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string Invitation { get; set; } = "";

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await RegionAsync(ct) is null ? NotFound() : Page();

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var password = Password;
        Password = "";
        if (await RegionAsync(ct) is not { } region) return NotFound();
        var (result, problem) = await api.AcceptInvitationAsync(region, Invitation, string.IsNullOrWhiteSpace(Name) ? null : Name.Trim(), password,
            HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (result?.Challenge is { } challenge)
        {
            new AccountSession(region, Challenge: challenge).Write(HttpContext, protection, options);
            return Redirect("/sign-in");
        }
        if (result?.Session is not { } session)
        {
            Error = problem?.Describe() ?? SenderText.S("Invitation.Failed");
            Response.StatusCode = problem?.Status ?? 400;
            return Page();
        }
        new AccountSession(region, Session: session).Write(HttpContext, protection, options);
        return Redirect("/account");
    }

    private Task<string?> RegionAsync(CancellationToken ct) => AccountRegions.OfLinkAsync(Invitation, "sgi", api, options, ct);
}
