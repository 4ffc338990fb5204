using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Accounts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// First-run setup from the one-time link: the owner's account, the organization's name and its permanent region. The
/// owner is signed in with the password just chosen (the session cookie as after a sign-in), so the page leads on.
/// </summary>
public sealed class SetupModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : PageModel
{
    [FromRoute]
    public string Token { get; set; } = "";

    [BindProperty]
    public string OrganizationName { get; set; } = "";

    [BindProperty]
    public string Region { get; set; } = "";

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    /// <summary>The box accepting the installation's data processing agreement (when <c>Trust:Dpa</c> is configured).</summary>
    [BindProperty]
    public bool AcceptDpa { get; set; }

    public Sigill.Contracts.DpaView? Dpa { get; private set; }

    public bool Pending { get; private set; }
    public IReadOnlyList<string> Regions { get; private set; } = [];
    public string? Error { get; private set; }
    public SetupResult? Result { get; private set; }

    /// <summary>Whether the owner is signed in now (false when the sign-in was refused, e.g. throttled: the page then links to sign-in).</summary>
    public bool SignedIn { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task OnPostAsync(CancellationToken ct)
    {
        var password = Password;
        Password = ""; // never rendered back
        var dpa = (await api.GetTrustAsync(ct))?.Dpa;
        var (result, problem) = await api.CompleteSetupAsync(Token, OrganizationName, Region, Name, Email, password, ct, AcceptDpa ? dpa?.Version : null);
        if (result is not null)
        {
            Result = result;
            Pending = false;
            var (signIn, _) = await api.SignInAsync(result.Region, Email.Trim(), password, null, HttpContext.Connection.RemoteIpAddress?.ToString(), ct);
            if (signIn?.Session is { } session)
            {
                new AccountSession(result.Region, Session: session).Write(HttpContext, protection, options);
                SignedIn = true;
            }
            return;
        }
        await LoadAsync(ct);
        Error = problem?.Detail ?? problem?.Title ?? SenderText.S("Setup.Failed");
        Response.StatusCode = problem?.Status ?? 400;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var status = await api.GetSetupStatusAsync(ct);
        Pending = status.SetupPending;
        Regions = status.Regions;
        Dpa = (await api.GetTrustAsync(ct))?.Dpa;
        if (Region.Length == 0)
        {
            Region = Regions.FirstOrDefault() ?? "";
        }
    }
}
