using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>The signed-in person at <c>/account</c>, read from the API with the session in the cookie, and sign-out.</summary>
public sealed class AccountModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    public ApiClient.AccountView? Account { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (AccountSession.Read(HttpContext, protection, options) is not { Session: { } secret } session) return Redirect("/sign-in");
        Account = await api.GetAccountAsync(session.Region, secret, ct);
        if (Account is null)
        {
            AccountSession.Clear(HttpContext, options); // expired or revoked at the API
            return Redirect("/sign-in");
        }
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync(CancellationToken ct)
    {
        if (AccountSession.Read(HttpContext, protection, options) is { Session: { } secret } session)
        {
            await api.SignOutAsync(session.Region, secret, ct);
        }
        AccountSession.Clear(HttpContext, options);
        return Redirect("/sign-in");
    }
}
