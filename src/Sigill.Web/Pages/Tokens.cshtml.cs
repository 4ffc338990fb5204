using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// API tokens at <c>/tokens</c>: the person's own, each with read or write scopes per area and an expiry. A new token's
/// secret (<c>sgl_…</c>) is shown once on the answer page and never again; the API keeps only its hash. Revoking is immediate.
/// </summary>
public sealed class TokensModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public static readonly IReadOnlyList<(string Scope, string Label)> Scopes =
    [
        ("documents:read", "Read documents"), ("documents:write", "Create and send documents"),
        ("templates:read", "Read templates"), ("templates:write", "Write templates"), ("privacy", "Privacy tools (find a person's records)"),
        ("organization:read", "Read the organization"), ("organization:write", "Change the organization (webhooks, staff access)"),
        ("members:read", "Read members"), ("members:write", "Manage members"),
    ];

    public IReadOnlyList<TokenView> Tokens { get; private set; } = [];

    /// <summary>The secret of the token just created: on this answer only.</summary>
    public CreatedToken? Created { get; private set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostCreateAsync(string? name, string[]? scopes, int? expiresInDays, CancellationToken ct)
    {
        var reply = await SendAsync<CreatedToken>(HttpMethod.Post, "/api/v1/tokens/", new { name = name?.Trim(), scopes = scopes ?? [], expiresInDays }, ct);
        if (await LoadAsync(ct) is { } failed) return failed;
        if (!reply.Ok) return Failed(reply.Problem!);
        Created = reply.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string tokenId, CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Delete, $"/api/v1/tokens/{Seg(tokenId)}", null, ct);
        if (problem is null) return Redirect("/tokens");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var tokens = await GetAsync<TokenView[]>("/api/v1/tokens/", ct);
        if (!tokens.Ok) return Failed(tokens.Problem!);
        Tokens = tokens.Value!;
        return null;
    }
}
