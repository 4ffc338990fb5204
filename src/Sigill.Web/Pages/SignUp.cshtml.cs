using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// Sign-up at <c>/sign-up</c>: the person, their organization and its permanent region. An address already known in
/// any region is refused (one account per address across the installation), then the chosen region's API creates both.
/// </summary>
public sealed class SignUpModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string OrganizationName { get; set; } = "";

    [BindProperty]
    public string Region { get; set; } = "";

    public IReadOnlyList<string> Regions { get; private set; } = [];
    public string? Error { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var password = Password;
        Password = ""; // never rendered back
        await LoadAsync(ct);
        if (!Regions.Contains(Region, StringComparer.Ordinal)) return Fail(400, "Choose one of the listed regions.");
        if (!string.IsNullOrWhiteSpace(Email) && Email.Length <= 254 && await AccountRegions.LocateAsync(api, options, Regions, Email, ct) is not null)
        {
            return Fail(409, "An account with this e-mail address exists. Sign in instead, or reset the password.");
        }
        var (result, problem) = await api.SignUpAsync(Region, Name, Email, password, OrganizationName, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (result?.Session is not { } secret) return Fail(problem?.Status ?? 400, problem?.Describe() ?? "Sign-up failed.");
        new AccountSession(Region, Session: secret).Write(HttpContext, protection, options);
        return Redirect("/account");
    }

    private PageResult Fail(int status, string error)
    {
        Error = error;
        Response.StatusCode = status;
        return Page();
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        Regions = await AccountRegions.AllAsync(api, options, ct);
        if (Region.Length == 0) Region = Regions.FirstOrDefault() ?? "";
    }
}
