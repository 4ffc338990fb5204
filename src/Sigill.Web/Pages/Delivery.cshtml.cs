using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Sigill.Web.Api;

namespace Sigill.Web.Pages;

/// <summary>
/// <c>/d/{token}</c>, the link in a completion e-mail: the sealed PDF, streamed from the region's API (which checks the
/// link and audits the download) under the file name it gives, and <c>/d/{token}/files/{fieldId}</c>, a file the
/// recipient uploaded while signing; a page saying the link is not active otherwise.
/// </summary>
public sealed partial class DeliveryModel(ApiClient api) : PageModel
{
    public async Task<IActionResult> OnGetAsync(string token, CancellationToken ct)
    {
        var match = DeliveryToken().Match(token);
        return await DownloadAsync(match.Success ? await api.GetDeliveredPdfAsync(match.Groups[1].Value, token, ct) : null, "signed.pdf", ct);
    }

    /// <summary><c>/d/{token}/files/{fieldId}</c>: a file the recipient uploaded while signing, always as a download (never shown inline).</summary>
    public async Task<IActionResult> OnGetFilesAsync(string token, string? fieldId, CancellationToken ct)
    {
        var match = DeliveryToken().Match(token);
        var good = match.Success && fieldId is not null && FieldId().IsMatch(fieldId);
        return await DownloadAsync(good ? await api.GetDeliveredFileAsync(match.Groups[1].Value, token, fieldId!, ct) : null, "file", ct);
    }

    /// <summary>The API's file as a download under the name it gives, never cached; the "not active" page (404) when there is none.</summary>
    private async Task<IActionResult> DownloadAsync(HttpResponseMessage? response, string fallbackName, CancellationToken ct)
    {
        if (response is null)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }
        HttpContext.Response.RegisterForDispose(response);
        Response.Headers.CacheControl = "no-store";
        var disposition = response.Content.Headers.ContentDisposition;
        var name = disposition?.FileNameStar ?? disposition?.FileName?.Trim('"') ?? fallbackName;
        return File(await response.Content.ReadAsStreamAsync(ct), response.Content.Headers.ContentType!.MediaType!, name);
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex FieldId();

    [GeneratedRegex("^sgd_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex DeliveryToken();
}
