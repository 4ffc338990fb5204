using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Contracts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/organization/privacy</c> (docs/privacy.md): owners and admins find every record about one person by e-mail address
/// or name, export it (Articles 15 and 20), erase it after a confirmation step, and set and release legal holds. The
/// person looked for travels in form posts only, never in a URL, so it reaches no access log; the search answers on the
/// post itself. Plain forms, no script; the API decides who may do what and says why it refuses.
/// </summary>
public sealed class PrivacyToolsModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    private const string Privacy = "/api/v1/privacy";

    public IReadOnlyList<LegalHoldView> Holds { get; private set; } = [];
    public string? Notice { get; private set; }

    /// <summary>What was searched: <c>email</c> or <c>name</c>, and the text (shown again in the form).</summary>
    public string By { get; private set; } = "email";
    public string Query { get; private set; } = "";
    public SubjectSearchResult? Found { get; private set; }

    /// <summary>The e-mail addresses the search found the person under: each can be exported or erased.</summary>
    public IReadOnlyList<string> Addresses => Found is null ? [] :
        [.. Found.Recipients.Select(r => r.Email).Concat(Found.Members.Select(m => m.Email)).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];

    public PrivacyExportView? Export { get; private set; }
    public string? ExportEmail { get; private set; }

    /// <summary>The address an erasure waits to be confirmed for.</summary>
    public string? ConfirmErase { get; private set; }
    public ErasureResult? Erased { get; private set; }

    /// <summary>An erasure the API refused (a legal hold: <c>deletion_held</c>), in the API's words.</summary>
    public string? Refused { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done switch { "hold" => SenderText.S("Priv.Notice.hold"), "released" => SenderText.S("Priv.Notice.released"), _ => null };
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostSearchAsync(string? by, string? query, CancellationToken ct)
    {
        By = by == "name" ? "name" : "email";
        Query = query?.Trim() ?? "";
        var reply = await SendAsync<SubjectSearchResult>(HttpMethod.Post, $"{Privacy}/search",
            By == "name" ? new SubjectSearchRequest(null, Query) : new SubjectSearchRequest(Query, null), ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (!reply.Ok) return Failed(reply.Problem!);
        Found = reply.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostExportAsync(string? email, CancellationToken ct)
    {
        var reply = await SendAsync<PrivacyExportView>(HttpMethod.Post, $"{Privacy}/exports/", new PrivacyExportRequest(email), ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (!reply.Ok) return Failed(reply.Problem!);
        (Export, ExportEmail) = (reply.Value, email);
        return Page();
    }

    /// <summary>The export package (a ZIP), through the web tier: the link carries the export's id only.</summary>
    public Task<IActionResult> OnGetDownloadAsync(string id, CancellationToken ct) => ZipAsync($"{Privacy}/exports/{Seg(id)}", ct);

    /// <summary>Without <paramref name="confirmed"/> the page asks first; with it the API erases, or says why not.</summary>
    public async Task<IActionResult> OnPostEraseAsync(string? email, bool confirmed, CancellationToken ct)
    {
        if (!confirmed)
        {
            ConfirmErase = email?.Trim();
            return await LoadAsync(ct) ?? Page();
        }
        var reply = await SendAsync<ErasureResult>(HttpMethod.Post, $"{Privacy}/erasures", new ErasureRequest(null, email), ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (reply.Ok)
        {
            Erased = reply.Value;
            return Page();
        }
        var problem = reply.Problem!;
        if (problem.Code == "deletion_held")
        {
            Refused = problem.Detail ?? problem.Describe();
            Response.StatusCode = 409;
            return Page();
        }
        return problem.Status == 404
            ? Failed(problem with { Title = SenderText.S("Priv.NothingToErase"), Detail = SenderText.S("Priv.NothingToEraseDetail") })
            : Failed(problem);
    }

    public async Task<IActionResult> OnPostHoldAsync(string? scope, string? documentId, string? email, string? reason, CancellationToken ct)
    {
        var request = scope switch
        {
            "document" => new LegalHoldRequest(scope, documentId?.Trim(), null, reason),
            "person" => new LegalHoldRequest(scope, null, email?.Trim(), reason),
            _ => new LegalHoldRequest(scope, null, null, reason),
        };
        return await AfterAsync(await SendAsync(HttpMethod.Post, $"{Privacy}/holds", request, ct), "hold", ct);
    }

    public async Task<IActionResult> OnPostReleaseAsync(string holdId, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, $"{Privacy}/holds/{Seg(holdId)}/release", new { }, ct), "released", ct);

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/organization/privacy?done={done}");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var reply = await GetAsync<LegalHoldView[]>($"{Privacy}/holds", ct);
        if (!reply.Ok) return Failed(reply.Problem!);
        Holds = reply.Value!;
        return null;
    }
}
