using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Templates;

/// <summary>
/// Writing a template at <c>/templates/new</c> and <c>/templates/{id}</c>: name, variables and the Liquid body. The API
/// checks it when saved (syntax, undeclared variables, unknown blocks) and its message is shown here. A saved template
/// can be previewed: the PDF a document would get, with each variable shown as <c>[name]</c> and a sample pricing line.
/// A saved template can carry its text in more languages (docs/translations.md): each translation is added, replaced or
/// removed by its own small form, and the API judges it like the main text.
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

        {{ signature_1 }}{{ signer_name_1 }}
        {{ date_signed_1 }}
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

    /// <summary>The language of the main text (empty on a new template: the organization's default).</summary>
    [BindProperty]
    public string? Language { get; set; }

    /// <summary>The template's translated texts by language code.</summary>
    public IReadOnlyDictionary<string, TemplateTranslation> Translations { get; private set; } = new Dictionary<string, TemplateTranslation>();

    [BindProperty]
    public string? TranslationLanguage { get; set; }

    [BindProperty]
    public string? TranslationTitle { get; set; }

    [BindProperty]
    public string? TranslationBody { get; set; }

    public bool Saved { get; private set; }

    /// <summary>A language's name on this (English) page: "Swedish (sv)".</summary>
    public static string LanguageName(string code) => $"{SenderText.S("Language." + code)} ({code})";

    /// <summary>The languages a new translation can be in: those Sigill speaks, without the main one and those translated already.</summary>
    public IEnumerable<string> FreeLanguages => Languages.Supported.Where(l => l != Language && !Translations.ContainsKey(l));

    public async Task<IActionResult> OnGetAsync(bool saved, CancellationToken ct)
    {
        if (Id is null)
        {
            (Name, Variables, Body) = ("Proposal", "client, scope", StarterBody);
            return Page();
        }
        if (await LoadAsync(ct) is { } failed) return failed;
        Saved = saved;
        return Page();
    }

    /// <summary>Reads the saved template into the page; null when it loaded, else the answer to give.</summary>
    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var reply = await GetAsync<TemplateView>($"/api/v1/templates/{Seg(Id!)}", ct);
        if (!reply.Ok) return reply.Problem!.Status == 404 ? NotFound() : Failed(reply.Problem);
        (Name, Variables, Body, Language) = (reply.Value!.Name, string.Join(", ", reply.Value.Variables), reply.Value.Body, reply.Value.Language);
        Translations = reply.Value.Translations ?? new Dictionary<string, TemplateTranslation>();
        return null;
    }

    /// <summary>Adds or replaces the text in one language.</summary>
    public async Task<IActionResult> OnPostTranslationAsync(CancellationToken ct)
    {
        if (Id is null) return NotFound();
        var problem = await SendAsync(HttpMethod.Put, $"/api/v1/templates/{Seg(Id)}/translations/{Seg(TranslationLanguage ?? "")}",
            new { title = TranslationTitle, body = TranslationBody?.Replace("\r\n", "\n", StringComparison.Ordinal) }, ct);
        return await AfterTranslationAsync(problem, ct);
    }

    /// <summary>Removes the text in one language.</summary>
    public async Task<IActionResult> OnPostRemoveTranslationAsync(CancellationToken ct)
    {
        if (Id is null) return NotFound();
        var problem = await SendAsync(HttpMethod.Delete, $"/api/v1/templates/{Seg(Id)}/translations/{Seg(TranslationLanguage ?? "")}", null, ct);
        return await AfterTranslationAsync(problem, ct);
    }

    private async Task<IActionResult> AfterTranslationAsync(ApiClient.Problem? problem, CancellationToken ct)
    {
        if (problem is null) return LocalRedirect($"/templates/{Seg(Id!)}?saved=true");
        if (problem.Status == 404 && TranslationLanguage is null) return NotFound();
        var (language, title, body) = (TranslationLanguage, TranslationTitle, TranslationBody);
        if (await LoadAsync(ct) is { } failed) return failed;
        (TranslationLanguage, TranslationTitle, TranslationBody) = (language, title, body); // the sender's text stays in the form to fix
        return Failed(problem);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken ct)
    {
        var variables = Variables.Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var body = new { name = Name, body = Body.Replace("\r\n", "\n", StringComparison.Ordinal), variables, language = string.IsNullOrEmpty(Language) ? null : Language };
        var reply = Id is null
            ? await SendAsync<TemplateView>(HttpMethod.Post, "/api/v1/templates/", body, ct)
            : await SendAsync<TemplateView>(HttpMethod.Put, $"/api/v1/templates/{Seg(Id)}", body, ct);
        if (!reply.Ok) return reply.Problem!.Status == 404 ? NotFound() : Failed(reply.Problem);
        return LocalRedirect($"/templates/{Seg(reply.Value!.Id)}?saved=true");
    }

    public Task<IActionResult> OnGetPreviewAsync(CancellationToken ct) =>
        Id is null ? Task.FromResult<IActionResult>(NotFound()) : PdfAsync(HttpMethod.Post, $"/api/v1/templates/{Seg(Id)}/preview", new { }, false, ct);
}
