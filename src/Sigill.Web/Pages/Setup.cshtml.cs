using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>First-run setup from the one-time link: the owner's account, the organization's name and its permanent region.</summary>
public sealed class SetupModel(ApiClient api) : PageModel
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

    public bool Pending { get; private set; }
    public IReadOnlyList<string> Regions { get; private set; } = [];
    public string? Error { get; private set; }
    public SetupResult? Result { get; private set; }

    public async Task OnGetAsync(CancellationToken ct) => await LoadAsync(ct);

    public async Task OnPostAsync(CancellationToken ct)
    {
        var (result, problem) = await api.CompleteSetupAsync(Token, OrganizationName, Region, Name, Email, Password, ct);
        Password = ""; // never rendered back
        if (result is not null)
        {
            Result = result;
            Pending = false;
            return;
        }
        await LoadAsync(ct);
        Error = problem?.Detail ?? problem?.Title ?? "Setup failed.";
        Response.StatusCode = problem?.Status ?? 400;
    }

    private async Task LoadAsync(CancellationToken ct)
    {
        var status = await api.GetSetupStatusAsync(ct);
        Pending = status.SetupPending;
        Regions = status.Regions;
        if (Region.Length == 0)
        {
            Region = Regions.FirstOrDefault() ?? "";
        }
    }
}
