using Microsoft.AspNetCore.Mvc;
using Sigill.Contracts;

namespace Sigill.Web.Pages;

/// <summary>
/// The organization page's data processing agreement banner (<c>_DpaBanner</c>): when the installation's configured
/// version is not the one the organization accepted, owners accept it here; admins read that an owner must.
/// </summary>
public sealed partial class OrganizationModel
{
    /// <summary>The organization's standing with the agreement (owners and admins), or null.</summary>
    public DpaStatusView? Dpa { get; private set; }

    public bool Owner => Account?.Role == "owner";

    public async Task<IActionResult> OnPostAcceptDpaAsync(string? version, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, "/api/v1/privacy/dpa/accept", new DpaAcceptRequest(version), ct), "dpa", ct);
}
