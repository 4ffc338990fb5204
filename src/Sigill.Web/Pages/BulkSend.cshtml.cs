using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Contracts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// A bulk send's progress at <c>/bulk-sends/{id}</c>: its status and counts, refreshed every few seconds while it runs,
/// the rows skipped and why, the report as CSV, and Cancel while rows are still to be sent.
/// </summary>
public sealed class BulkSendModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public BulkSendView? Bulk { get; private set; }

    public IReadOnlyList<RowView> Skipped { get; private set; } = [];

    public bool Running => Bulk?.Status is "queued" or "running";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        var bulk = await GetAsync<BulkSendView>($"/api/v1/bulk-sends/{Seg(Id)}", ct);
        if (!bulk.Ok) return bulk.Problem!.Status == 404 ? NotFound() : Failed(bulk.Problem!);
        Bulk = bulk.Value;
        var skipped = await GetAsync<RowView[]>($"/api/v1/bulk-sends/{Seg(Id)}/rows?status=skipped", ct);
        if (skipped.Ok) Skipped = skipped.Value!;
        return Page();
    }

    public async Task<IActionResult> OnPostCancelAsync(CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Post, $"/api/v1/bulk-sends/{Seg(Id)}/cancel", new { }, ct);
        if (problem is not null && problem.Status != 409) return Failed(problem); // 409: it ended meanwhile; the page shows how
        return LocalRedirect($"/bulk-sends/{Seg(Id)}");
    }

    public Task<IActionResult> OnGetReportAsync(CancellationToken ct) => DownloadAsync($"/api/v1/bulk-sends/{Seg(Id)}/report.csv", "text/csv", "bulk-send-report.csv", ct);
}
