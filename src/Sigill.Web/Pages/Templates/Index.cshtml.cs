using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Templates;

/// <summary>The organization's templates and reusable content blocks at <c>/templates</c>; a block is added here.</summary>
public sealed class IndexModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    public IReadOnlyList<TemplateSummary> Templates { get; private set; } = [];

    public IReadOnlyList<BlockView> Blocks { get; private set; } = [];

    [BindProperty]
    public string BlockName { get; set; } = "";

    [BindProperty]
    public string BlockBody { get; set; } = "";

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostBlockAsync(CancellationToken ct)
    {
        var problem = await SendAsync(HttpMethod.Post, "/api/v1/templates/blocks", new { name = BlockName.Trim(), body = BlockBody }, ct);
        if (problem is null) return Redirect("/templates#blocks");
        return await LoadAsync(ct) ?? Failed(problem);
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var templates = await GetAsync<TemplateSummary[]>("/api/v1/templates/", ct);
        if (!templates.Ok) return Failed(templates.Problem!);
        var blocks = await GetAsync<BlockView[]>("/api/v1/templates/blocks", ct);
        if (!blocks.Ok) return Failed(blocks.Problem!);
        (Templates, Blocks) = (templates.Value!, blocks.Value!);
        return null;
    }
}
