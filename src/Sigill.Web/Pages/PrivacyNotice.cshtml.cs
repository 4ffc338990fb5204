using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;
using Sigill.Web.Recipient;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/privacy/notice</c>, linked from the recipient's signing page: who is responsible for the recipient's data. With a
/// recipient session it names the sending organization (the controller) and the operator; without one (or once the link
/// shows nothing) it says the same in general terms. Public, no script.
/// </summary>
public sealed class PrivacyNoticeModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    public PrivacyNoticeView? Notice { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (RecipientSession.Read(HttpContext, protection, options) is { } session)
        {
            Notice = await api.GetPrivacyNoticeAsync(session.Region, session.Token, ct);
        }
        return Page();
    }
}
