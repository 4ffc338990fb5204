using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Documents;

/// <summary>The sender's documents at <c>/documents</c>, newest first, filtered by status and searched by title (in the API, over decrypted titles).</summary>
public sealed class IndexModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public static readonly IReadOnlyList<string> Statuses = ["draft", "sent", "awaiting_payment", "completed", "declined", "voided", "expired"];

    [BindProperty(SupportsGet = true)]
    public string? Status { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    public IReadOnlyList<DocumentSummary> Documents { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (Status is not null && !Statuses.Contains(Status)) Status = null;
        Q = string.IsNullOrWhiteSpace(Q) ? null : Q.Trim();
        var query = new List<string>();
        if (Status is not null) query.Add("status=" + Seg(Status));
        if (Q is not null) query.Add("q=" + Seg(Q.Length > 200 ? Q[..200] : Q));
        var reply = await GetAsync<DocumentSummary[]>("/api/v1/documents/" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), ct);
        if (!reply.Ok) return Failed(reply.Problem!);
        Documents = reply.Value!;
        return Page();
    }
}
