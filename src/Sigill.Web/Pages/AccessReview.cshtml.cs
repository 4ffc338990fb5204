using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// The organization's access review at <c>/organization/access-review</c> (docs/access-reviews.md): owners and admins start
/// a review, choose keep, change (a member's role) or revoke for each member and API token, save, and attest. Plain forms:
/// it works without JavaScript. The API applies the decisions when the review is attested and refuses what a role may not do.
/// </summary>
// Two values a member (the decision and the role to change to) and one a token: a review of thousands of members fits.
// The body limit (Http:MaxBodyBytes) still bounds the form.
[RequestFormLimits(ValueCountLimit = MaxFormValues)]
public sealed class AccessReviewModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public const int MaxFormValues = 40_000;

    private const string Path = "/api/v1/organization/access-reviews";

    public AccessReviewsOverview? Overview { get; private set; }

    /// <summary>The open review with its items, if there is one.</summary>
    public AccessReviewView? Review { get; private set; }
    public string? Notice { get; private set; }
    public bool Admin { get; private set; }

    /// <summary>The actions whose success the page names after its redirect: <c>Rev.Notice.{done}</c> in SenderText.</summary>
    private static readonly HashSet<string> Notices = new(StringComparer.Ordinal) { "started", "saved", "attested" };

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done is not null && Notices.Contains(done) ? SenderText.S("Rev.Notice." + done) : null;
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostStartAsync(CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path + "/", new { }, ct), "started", ct);

    /// <summary>
    /// Sends every chosen decision (<c>decision[itemId]</c>, <c>role[itemId]</c>) in one request: the API saves all or,
    /// naming the item it refuses, none. The form is read as it is, not through model binding, whose collections stop
    /// at 1,024 entries (MvcOptions.MaxModelBindingCollectionSize).
    /// </summary>
    public async Task<IActionResult> OnPostDecideAsync(string reviewId, CancellationToken ct)
    {
        var form = Request.Form;
        var items = new List<AccessReviewDecision>();
        foreach (var (key, value) in form)
        {
            if (!key.StartsWith("decision[", StringComparison.Ordinal) || !key.EndsWith(']') || string.IsNullOrEmpty(value)) continue;
            var id = key["decision[".Length..^1];
            var chosen = value.ToString();
            items.Add(new AccessReviewDecision(id, chosen, chosen == "change" ? form[$"role[{id}]"].ToString() : null));
        }
        return await AfterAsync(await SendAsync(HttpMethod.Put, $"{Path}/{Seg(reviewId)}/items", new AccessReviewDecisions(items), ct), "saved", ct);
    }

    public async Task<IActionResult> OnPostAttestAsync(string reviewId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, $"{Path}/{Seg(reviewId)}/attest", new { }, ct), "attested", ct);

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/organization/access-review?done={done}");
        if (await LoadAsync(ct) is { } failed) return failed;
        // The API names a refused item by its id: show the member's or token's name instead.
        var detail = Review?.Items.Aggregate(problem.Detail, (d, i) => d?.Replace(i.Id, i.Label, StringComparison.Ordinal)) ?? problem.Detail;
        return Failed(problem with { Detail = detail });
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
        if (Overview!.Current is { } open)
        {
            var review = await GetAsync<AccessReviewView>($"{Path}/{Seg(open.Id)}", ct);
            if (!review.Ok) return Failed(review.Problem!);
            Review = review.Value;
        }
        return null;
    }
}
