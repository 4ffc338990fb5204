using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>A signer's attachment (docs/fields.md, "Attachments"), passed on to the API with the link token and step-up grant, like every recipient call.</summary>
public sealed partial class ApiClient
{
    /// <summary>
    /// Uploads <paramref name="file"/> for the recipient's attachment field <paramref name="fieldId"/> (replacing any earlier
    /// one), with the values the recipient has entered so far (the API evaluates the field's condition with them). The API
    /// judges the file (type by its bytes, size, hostile-input rules) and answers what it kept, or its problem.
    /// </summary>
    public async Task<(AttachmentView? Attachment, Problem? Problem)> UploadAttachmentAsync(string region, string token, string? grant, string fieldId,
        Stream file, string fileName, IReadOnlyDictionary<string, string> values, CancellationToken ct)
    {
        using var content = new MultipartFormDataContent();
        var part = new StreamContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream"); // the API reads the bytes, not a declared type
        content.Add(part, "file", fileName);
        content.Add(JsonContent.Create(values, options: Json), "values");
        using var request = new HttpRequestMessage(HttpMethod.Post, For(region, $"/api/v1/signing/{token}/fields/{Uri.EscapeDataString(fieldId)}/attachment")) { Content = content };
        if (grant is not null) request.Headers.Add(SigillHeaders.StepUp, grant);
        using var response = await http.SendAsync(request, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<AttachmentView>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }
}
