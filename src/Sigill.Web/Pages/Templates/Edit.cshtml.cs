using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Templates;

/// <summary>
/// Writing a template at <c>/templates/new</c> and <c>/templates/{id}</c>: name, variables and the Liquid body. The API
/// checks it when saved (syntax, undeclared variables, unknown blocks) and its message is shown here. A saved template
/// can be previewed: the PDF a document would get, with each variable shown as <c>[name]</c> and a sample pricing line.
/// </summary>
public sealed class EditModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    /// <summary>What a new template starts with: every feature once, so a newcomer sees how they are written.</summary>
    public const string StarterBody = """
        # Proposal for {{ client }}

        Dear {{ client }},

        thank you for your interest. This proposal describes the work and its price.

        ## Scope
        {{ scope }}

        {% if pricing %}
        ## Price
        {{ pricing_table }}

        Total: {{ pricing.total }} {{ pricing.currency }}
        {% endif %}

        ## Acceptance
        By signing, both parties accept this proposal.
        """;

    /// <summary>The template's id; none at <c>/templates/new</c> (ids start with <c>tpl_</c>, so "new" is never one).</summary>
    [BindProperty(SupportsGet = true)]
    public string? Id
    {
        get => _id;
        set => _id = value == "new" ? null : value;
    }

    private string? _id;

    [BindProperty]
    public string Name { get; set; } = "";

    [BindProperty]
    public string Variables { get; set; } = "";

    [BindProperty]
    public string Body { get; set; } = "";

    public bool Saved { get; private set; }

    public async Task<IActionResult> OnGetAsync(bool saved, CancellationToken ct)
    {
        if (Id is null)
        {
            (Name, Variables, Body) = ("Proposal", "client, scope", StarterBody);
            return Page();
        }
        var reply = await GetAsync<TemplateView>($"/api/v1/templates/{Seg(Id)}", ct);
        if (!reply.Ok) return reply.Problem!.Status == 404 ? NotFound() : Failed(reply.Problem);
        (Name, Variables, Body, Saved) = (reply.Value!.Name, string.Join(", ", reply.Value.Variables), reply.Value.Body, saved);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var variables = Variables.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var body = new { name = Name, body = Body.Replace("\r\n", "\n", StringComparison.Ordinal), variables };
        var reply = Id is null
            ? await SendAsync<TemplateView>(HttpMethod.Post, "/api/v1/templates/", body, ct)
            : await SendAsync<TemplateView>(HttpMethod.Put, $"/api/v1/templates/{Seg(Id)}", body, ct);
        if (!reply.Ok) return reply.Problem!.Status == 404 ? NotFound() : Failed(reply.Problem);
        return LocalRedirect($"/templates/{Seg(reply.Value!.Id)}?saved=true");
    }

    public Task<IActionResult> OnGetPreviewAsync(CancellationToken ct) =>
        Id is null ? Task.FromResult<IActionResult>(NotFound()) : PdfAsync(HttpMethod.Post, $"/api/v1/templates/{Seg(Id)}/preview", new { }, false, ct);
}
