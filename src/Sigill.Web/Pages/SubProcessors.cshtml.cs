using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/organization/sub-processors</c>: the register of the organization's region — entries in force, announced changes
/// with their dates, the history of versions — and the version the organization accepted when it was created.
/// </summary>
public sealed class SubProcessorsModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public SubProcessorRegisterView? Register { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var reply = await GetAsync<SubProcessorRegisterView>("/api/v1/sub-processors", ct);
        if (!reply.Ok) return Failed(reply.Problem!);
        Register = reply.Value;
        return Page();
    }

    /// <summary>A change's word in the page's language (<c>added</c>, <c>removed</c>, <c>changed</c>); the API's code where there is none.</summary>
    public static string Change(string code) =>
        PublicText.Resources.GetString("SubProcessors.Change." + code, System.Globalization.CultureInfo.CurrentUICulture) ?? code;
}
