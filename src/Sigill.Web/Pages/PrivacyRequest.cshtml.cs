using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The public privacy-request form at <c>/privacy/request</c> (docs/privacy.md). It goes to the first region, whose API
/// looks nothing up and answers the same for every address, so the page always ends on the same "check your e-mail".
/// </summary>
public sealed class PrivacyRequestModel(ApiClient api, WebTierOptions options) : PageModel
{
    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Type { get; set; } = "access";

    [BindProperty]
    public string? Message { get; set; }

    public bool Sent { get; private set; }
    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var region = (await AccountRegions.AllAsync(api, options, ct))[0];
        var problem = await api.SubmitPrivacyRequestAsync(region, Email.Trim(), Type, Message, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
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
