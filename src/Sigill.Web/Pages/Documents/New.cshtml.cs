using System.Globalization;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Http;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Documents;

/// <summary>
/// A new document at <c>/documents/new</c>: from one of the organization's templates (its variables and an optional
/// pricing table filled in here, rendered to PDF by the API), or from an uploaded PDF (passed through to the API, which
/// inspects it before storing anything). Either way the sender lands on the draft to add recipients and fields.
/// The pricing table starts with <see cref="PricingRows"/> lines; "Add line" adds one in the browser (Assets/pricing-lines.js)
/// or, without JavaScript, posts the form back (<see cref="OnPostAddLineAsync"/>) and gets it with one more line, up to
/// <see cref="PricingInput.MaxItems"/>.
/// </summary>
[UploadEndpoint] // Documents:MaxPdfBytes, as at the API tier; the form is read and judged before this page runs (Sigill.Http)
// Five fields a line: the most lines, the template's variables and the rest stay within the form's count of values.
[RequestFormLimits(ValueCountLimit = PricingInput.MaxItems * 5 + 512)]
public sealed class NewModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options, RequestLimits limits) : SignedInPage(api, protection, options)
{
    /// <summary>The upload limit both tiers enforce (Documents:MaxPdfBytes), in whole megabytes for the hint.</summary>
    public long MaxPdfMegabytes => limits.MaxPdfBytes / (1024 * 1024);

    /// <summary>Lines the form shows at first; enough for most offers without JavaScript.</summary>
    public const int PricingRows = 3;

    /// <summary>The line to focus after "Add line" without JavaScript (the one just added).</summary>
    public int? FocusLine { get; private set; }

    public IReadOnlyList<TemplateSummary> Templates { get; private set; } = [];

    public TemplateSummary? Template { get; private set; }

    [BindProperty(SupportsGet = true, Name = "template")]
    public string? TemplateId { get; set; }

    [BindProperty]
    public string Title { get; set; } = "";

    [BindProperty]
    public Dictionary<string, string> Variables { get; set; } = [];

    [BindProperty]
    public string Currency { get; set; } = "EUR";

    [BindProperty]
    public List<PricingRow> Pricing { get; set; } = [];

    public sealed class PricingRow
    {
        public string? Description { get; set; }
        public string? Quantity { get; set; }
        public string? UnitPrice { get; set; }
        public string? DiscountPercent { get; set; }
        public string? TaxPercent { get; set; }
    }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (TemplateId is not null && Template is null) return NotFound();
        return Page();
    }

    public async Task<IActionResult> OnPostFromTemplateAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (Template is null) return Invalid(SenderText.S("New.ChooseTemplate"));
        if (!TryReadPricing(out var pricing, out var pricingError)) return Invalid(pricingError);
        var variables = Template.Variables.ToDictionary(v => v, v => Variables.GetValueOrDefault(v)?.Trim() ?? "", StringComparer.Ordinal);
        if (variables.FirstOrDefault(v => v.Value.Length == 0) is { Key: { } empty }) return Invalid(SenderText.S("New.FillIn", empty));
        var reply = await SendAsync<DocumentView>(HttpMethod.Post, "/api/v1/documents/from-template",
            new { templateId = Template.Id, title = Title.Trim(), variables, pricing }, ct);
        return reply.Ok ? LocalRedirect($"/documents/{Seg(reply.Value!.Id)}") : Failed(reply.Problem!);
    }

    /// <summary>"Add line" without JavaScript: the same form, its values kept, with one more (focused) line.</summary>
    public async Task<IActionResult> OnPostAddLineAsync(CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (Template is null) return Invalid(SenderText.S("New.ChooseTemplate"));
        if (Pricing.Count >= PricingInput.MaxItems) return Invalid(SenderText.S("New.MaxLines", PricingInput.MaxItems));
        Pricing.Add(new PricingRow());
        FocusLine = Pricing.Count - 1;
        return Page();
    }

    public async Task<IActionResult> OnPostUploadAsync(IFormFile? file, CancellationToken ct)
    {
        TemplateId = null;
        if (await LoadAsync(ct) is { } failed) return failed;
        if (file is null || file.Length == 0) return Invalid(SenderText.S("New.ChoosePdf"));
        using var content = new MultipartFormDataContent();
        content.Add(new StringContent(Title.Trim()), "title");
        var pdf = new StreamContent(file.OpenReadStream());
        pdf.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        content.Add(pdf, "file", "upload.pdf");
        var reply = await UploadAsync<DocumentView>("/api/v1/documents/", content, ct);
        return reply.Ok ? LocalRedirect($"/documents/{Seg(reply.Value!.Id)}") : Failed(reply.Problem!);
    }

    private PageResult Invalid(string message)
    {
        Error = message;
        Response.StatusCode = 400;
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var templates = await GetAsync<TemplateSummary[]>("/api/v1/templates/", ct);
        if (!templates.Ok) return Failed(templates.Problem!);
        Templates = templates.Value!;
        Template = Templates.FirstOrDefault(t => t.Id == TemplateId);
        while (Pricing.Count < PricingRows) Pricing.Add(new PricingRow());
        return null;
    }

    /// <summary>The filled-in pricing rows (blank rows ignored), in invariant notation (1234.50); none at all means no pricing table.</summary>
    private bool TryReadPricing(out PricingInput? pricing, out string error)
    {
        pricing = null;
        error = "";
        if (Pricing.Count > PricingInput.MaxItems)
        {
            error = SenderText.S("New.MaxLines", PricingInput.MaxItems);
            return false;
        }
        var items = new List<PricingItem>();
        foreach (var (row, i) in Pricing.Select((r, i) => (r, i + 1)))
        {
            if (string.IsNullOrWhiteSpace(row.Description) && string.IsNullOrWhiteSpace(row.Quantity) && string.IsNullOrWhiteSpace(row.UnitPrice)) continue;
            if (string.IsNullOrWhiteSpace(row.Description)) { error = SenderText.S("New.LineNeedsDescription", i); return false; }
            if (!Number(row.Quantity, 1, out var quantity) || !Number(row.UnitPrice, null, out var price)
                || !Number(row.DiscountPercent, 0, out var discount) || !Number(row.TaxPercent, 0, out var tax))
            {
                error = SenderText.S("New.LineNumbers", i);
                return false;
            }
            items.Add(new PricingItem(row.Description.Trim(), quantity, price, discount, tax));
        }
        if (items.Count > 0) pricing = new PricingInput(Currency.Trim().ToUpperInvariant(), items);
        return true;
    }

    private static bool Number(string? text, decimal? fallback, out decimal value)
    {
        value = fallback ?? 0;
        if (string.IsNullOrWhiteSpace(text)) return fallback is not null;
        return decimal.TryParse(text.Trim().Replace(" ", "", StringComparison.Ordinal), NumberStyles.Number, CultureInfo.InvariantCulture, out value);
    }
}
