using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The organization at <c>/organization</c>: members and their roles, invitations, and — for owners and admins — staff
/// access: operators' requests to approve or deny, live grants to revoke, and the access-transparency log of every
/// support action. What a role may not do, the API refuses, and the page says so.
/// </summary>
public sealed class OrganizationModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public static readonly IReadOnlyList<string> Roles = ["owner", "admin", "member", "viewer"];

    public ApiClient.AccountView Account { get; private set; } = null!;
    public IReadOnlyList<ApiClient.MemberView> Members { get; private set; } = [];
    public IReadOnlyList<ApiClient.InvitationView> Invitations { get; private set; } = [];
    public IReadOnlyList<ApiClient.GrantView> Grants { get; private set; } = [];
    public IReadOnlyList<ApiClient.AccessLogEntry> AccessLog { get; private set; } = [];
    public string? Notice { get; private set; }

    public bool Admin => Account.Role is "owner" or "admin";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostInviteAsync(string? email, string? role, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, "/api/v1/invitations/", new { email = email?.Trim(), role }, ct), "Invitation sent.", ct);

    public async Task<IActionResult> OnPostRevokeInvitationAsync(string invitationId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, $"/api/v1/invitations/{Seg(invitationId)}", null, ct), "Invitation withdrawn.", ct);

    public async Task<IActionResult> OnPostRoleAsync(string userId, string? role, CancellationToken ct) =>
        await AfterAsync(await SendAsync(new HttpMethod("PATCH"), $"/api/v1/members/{Seg(userId)}", new { role }, ct), "Role changed.", ct);

    public async Task<IActionResult> OnPostRemoveAsync(string userId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Delete, $"/api/v1/members/{Seg(userId)}", null, ct), "Member removed.", ct);

    public async Task<IActionResult> OnPostGrantAsync(string grantId, string decision, CancellationToken ct)
    {
        if (decision is not ("approve" or "deny" or "revoke")) return BadRequest();
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/organization/support-grants/{Seg(grantId)}/{decision}", new { }, ct);
        return await AfterAsync(problem, decision switch { "approve" => "Access approved.", "deny" => "Access denied.", _ => "Access revoked." }, ct);
    }

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string notice, CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (problem is not null) return Failed(problem);
        Notice = notice;
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var account = await GetAsync<ApiClient.AccountView>("/api/v1/account/", ct);
        if (!account.Ok) return Failed(account.Problem!);
        Account = account.Value!;
        var members = await GetAsync<ApiClient.MemberView[]>("/api/v1/members/", ct);
        Members = members.Value ?? [];
        Invitations = (await GetAsync<ApiClient.InvitationView[]>("/api/v1/invitations/", ct)).Value ?? [];
        if (Admin)
        {
            Grants = (await GetAsync<ApiClient.GrantView[]>("/api/v1/organization/support-grants", ct)).Value ?? [];
            AccessLog = (await GetAsync<ApiClient.AccessLogEntry[]>("/api/v1/organization/access-log", ct)).Value ?? [];
        }
        return null;
    }
}
