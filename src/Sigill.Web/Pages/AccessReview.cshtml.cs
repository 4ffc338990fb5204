using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The organization's access review at <c>/organization/access-review</c> (docs/access-reviews.md): owners and admins start
/// a review, choose keep, change (a member's role) or revoke for each member and API token, save, and attest. Plain forms:
/// it works without JavaScript. The API applies the decisions when the review is attested and refuses what a role may not do.
/// </summary>
public sealed class AccessReviewModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    private const string Path = "/api/v1/organization/access-reviews";

    public AccessReviewsOverview? Overview { get; private set; }
    public string? Notice { get; private set; }
    public bool Admin { get; private set; }

    private static readonly Dictionary<string, string> Notices = new(StringComparer.Ordinal)
    {
        ["started"] = "Review started: decide on each member and token, save, then attest.",
        ["saved"] = "Decisions saved. Nothing changes until you attest.",
        ["attested"] = "Review attested: the changes and revocations are done.",
    };

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done is null ? null : Notices.GetValueOrDefault(done);
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostStartAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path + "/", new { }, ct), "started", ct);

    /// <summary>Sends each decision that differs from the saved one (<c>decision[itemId]</c>, <c>role[itemId]</c>); stops at the first the API refuses.</summary>
    public async Task<IActionResult> OnPostDecideAsync(string reviewId, Dictionary<string, string> decision, Dictionary<string, string> role, CancellationToken ct)
    {
        var current = await GetAsync<AccessReviewView>($"{Path}/{Seg(reviewId)}", ct);
        if (!current.Ok) return await AfterAsync(current.Problem, "saved", ct);
        foreach (var item in current.Value!.Items)
        {
            if (!decision.TryGetValue(item.Id, out var chosen) || string.IsNullOrEmpty(chosen)) continue;
            var newRole = chosen == "change" ? role.GetValueOrDefault(item.Id) : null;
            if (chosen == item.Decision && newRole == item.NewRole) continue;
            var problem = await SendAsync(HttpMethod.Put, $"{Path}/{Seg(reviewId)}/items/{Seg(item.Id)}", new { decision = chosen, role = newRole }, ct);
            if (problem is not null) return await AfterAsync(problem with { Title = $"{item.Label}: {problem.Title}" }, "saved", ct);
        }
        return LocalRedirect("/organization/access-review?done=saved");
    }

    public async Task<IActionResult> OnPostAttestAsync(string reviewId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, $"{Path}/{Seg(reviewId)}/attest", new { }, ct), "attested", ct);

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/organization/access-review?done={done}");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var account = await GetAsync<AccountView>("/api/v1/account/", ct);
        if (!account.Ok) return Failed(account.Problem!);
        Admin = account.Value!.Role is "owner" or "admin";
        if (!Admin) return null;
        var overview = await GetAsync<AccessReviewsOverview>(Path + "/", ct);
        if (!overview.Ok) return Failed(overview.Problem!);
        Overview = overview.Value;
        return null;
    }
}
