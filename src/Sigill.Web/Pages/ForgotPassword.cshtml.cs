using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// "Forgot your password?" at <c>/forgot-password</c>. The region holding the address is found by directory hash; an
/// address no region knows is still sent to a region, whose API answers exactly as for a known one, so the page always
/// ends on the same "check your e-mail" and tells nobody whether an account exists.
/// </summary>
public sealed class ForgotPasswordModel(ApiClient api, WebTierOptions options) : PageModel
{
    [BindProperty]
    public string Email { get; set; } = "";

    public bool Sent { get; private set; }
    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var email = Email.Trim();
        if (email.Length is 0 or > 254)
        {
            Error = SenderText.S("Forgot.EnterEmail");
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }
        var regions = await AccountRegions.AllAsync(api, options, ct);
        var region = await AccountRegions.LocateAsync(api, options, regions, email, ct) ?? regions[0];
        var problem = await api.RequestPasswordResetAsync(region, email, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (problem is not null)
        {
            Error = problem.Describe();
            Response.StatusCode = problem.Status is >= 400 and < 600 ? problem.Status.Value : 400;
            return Page();
        }
        Sent = true;
        return Page();
    }
}
