using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// Sign-up at <c>/sign-up</c>: the person, their organization and its permanent region. The page always ends in
/// "check your e-mail" and never says whether the address has an account: the request goes to the region that holds
/// the address's account when one does (its API e-mails the owner that someone tried), else to the chosen region
/// (its API e-mails a link; <c>/sign-up/{link}</c> then creates the account). One account per address installation-wide.
/// </summary>
public sealed class SignUpModel(ApiClient api, WebTierOptions options) : PageModel
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

    /// <summary>The box "I accept the data processing agreement": required when the installation has one (<c>Trust:Dpa</c>).</summary>
    [BindProperty]
    public bool AcceptDpa { get; set; }

    /// <summary>The installation's data processing agreement, from the trust center; null when none is configured.</summary>
    public Sigill.Contracts.DpaView? Dpa { get; private set; }

    public IReadOnlyList<string> Regions { get; private set; } = [];
    public string? Error { get; private set; }
    /// <summary>Set once the API accepted the sign-up: the page says to check the e-mail, nothing more.</summary>
    public bool Sent { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var password = Password;
        Password = ""; // never rendered back
        await LoadAsync(ct);
        if (!Regions.Contains(Region, StringComparer.Ordinal)) return Fail(400, SenderText.S("SignUp.ChooseRegion"));
        if (Dpa is { } dpa && !AcceptDpa) return Fail(400, SenderText.S("SignUp.AcceptDpaError", dpa.Version));
        var home = !string.IsNullOrWhiteSpace(Email) && Email.Length <= 254 ? await AccountRegions.LocateAsync(api, options, Regions, Email, ct) : null;
        var problem = await api.SignUpAsync(home ?? Region, Name, Email, password, OrganizationName, AcceptDpa ? Dpa?.Version : null, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
        if (problem is not null) return Fail(problem.Status ?? 400, problem.Describe());
        Sent = true;
        return Page();
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
        Dpa = (await api.GetTrustAsync(ct))?.Dpa;
        if (Region.Length == 0) Region = Regions.FirstOrDefault() ?? "";
    }
}
