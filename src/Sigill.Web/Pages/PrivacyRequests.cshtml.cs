using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Contracts;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/organization/privacy-requests</c> (docs/privacy.md): owners and admins see the organization's privacy requests with
/// their deadline and actions, record an action, and enter a request received another way. Plain forms, no script.
/// </summary>
public sealed class PrivacyRequestsModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    private const string Path = "/api/v1/privacy/requests";

    public IReadOnlyList<PrivacyRequestView> Requests { get; private set; } = [];
    public string? Notice { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? done, CancellationToken ct)
    {
        Notice = done switch { "acted" => SenderText.S("Req.Notice.acted"), "created" => SenderText.S("Req.Notice.created"), _ => null };
        return await LoadAsync(ct) ?? Page();
    }

    public async Task<IActionResult> OnPostActAsync(string requestId, string? status, string? note, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, $"{Path}/{Seg(requestId)}/actions", new PrivacyRequestActionRequest(status, note), ct), "acted", ct);

    public async Task<IActionResult> OnPostCreateAsync(string? email, string? type, string? message, CancellationToken ct) =>
        await AfterAsync(await SendAsync(HttpMethod.Post, Path + "/", new PrivacyRequestCreateRequest(email, type, message), ct), "created", ct);

    private async Task<IActionResult> AfterAsync(ApiClient.Problem? problem, string done, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/organization/privacy-requests?done={done}");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var reply = await GetAsync<PrivacyRequestList>(Path + "/", ct);
        if (!reply.Ok) return Failed(reply.Problem!);
        Requests = reply.Value!.Requests;
        return null;
    }
}
