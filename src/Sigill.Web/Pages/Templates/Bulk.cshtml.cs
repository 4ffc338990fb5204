using System.Net.Http.Headers;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Contracts;
using Sigill.Http;
using Sigill.Web.Api;

namespace Sigill.Web.Pages.Templates;

/// <summary>
/// Bulk send at <c>/templates/{id}/bulk</c>: choose a CSV or .xlsx, check it (the API's preview: how each column maps, the rows
/// with problems, nothing stored), then send it; the bulk send's own page follows its progress. With JavaScript the check
/// happens in place (bulk-send.js), so the chosen file stays chosen for the send.
/// </summary>
[UploadEndpoint(TooLargeCode = "bulk_file_too_large", TooLargeTitle = "The file is too large.")]
public sealed class BulkModel(ApiClient api, IDataProtectionProvider protection, WebTierOptions options) : SignedInPage(api, protection, options)
{
    [BindProperty(SupportsGet = true)]
    public string Id { get; set; } = "";

    public TemplateView? Template { get; private set; }

    public PreviewView? Preview { get; private set; }

    [BindProperty]
    public string? Title { get; set; }

    [BindProperty]
    public string? Message { get; set; }

    public async Task<IActionResult> OnGetAsync(CancellationToken ct) => await LoadAsync(ct) ?? Page();

    public async Task<IActionResult> OnPostPreviewAsync(IFormFile? file, CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (file is null || file.Length == 0) return Invalid(SenderText.S("Bulk.ChooseFile"));
        var reply = await UploadAsync<PreviewView>("/api/v1/bulk-sends/preview", Form(file), ct);
        if (!reply.Ok) return Failed(reply.Problem!);
        Preview = reply.Value;
        return Page();
    }

    public async Task<IActionResult> OnPostSendAsync(IFormFile? file, CancellationToken ct)
    {
        if (await LoadAsync(ct) is { } failed) return failed;
        if (file is null || file.Length == 0) return Invalid(SenderText.S("Bulk.ChooseFile"));
        using var form = Form(file);
        if (!string.IsNullOrWhiteSpace(Title)) form.Add(new StringContent(Title.Trim()), "title");
        if (!string.IsNullOrWhiteSpace(Message)) form.Add(new StringContent(Message), "message");
        var reply = await UploadAsync<BulkSendView>("/api/v1/bulk-sends/", form, ct);
        return reply.Ok ? LocalRedirect($"/bulk-sends/{Seg(reply.Value!.Id)}") : Failed(reply.Problem!);
    }

    private MultipartFormDataContent Form(IFormFile file)
    {
        var form = new MultipartFormDataContent { { new StringContent(Id), "templateId" } };
        // The API tells CSV from .xlsx by the file's first bytes; the name and type only say what the sender chose.
        var xlsx = file.FileName.EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);
        var content = new StreamContent(file.OpenReadStream());
        content.Headers.ContentType = new MediaTypeHeaderValue(xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv");
        form.Add(content, "file", xlsx ? "rows.xlsx" : "rows.csv");
        return form;
    }

    private PageResult Invalid(string message)
    {
        Error = message;
        Response.StatusCode = 400;
        return Page();
    }

    private async Task<IActionResult?> LoadAsync(CancellationToken ct)
    {
        var template = await GetAsync<TemplateView>($"/api/v1/templates/{Seg(Id)}", ct);
        if (!template.Ok) return template.Problem!.Status == 404 ? NotFound() : Failed(template.Problem!);
        Template = template.Value;
        return null;
    }

    /// <summary>A header line a spreadsheet can start from: the recipient's columns and the template's variables.</summary>
    public string SampleHeader => string.Join(',', new[] { "name", "email" }.Concat(Template?.Variables ?? []));
}
