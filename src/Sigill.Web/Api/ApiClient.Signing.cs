using System.Net;
using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>
/// The recipient's calls, made server-side with the link token from the recipient's session cookie. Each goes
/// straight to the API deployment of the token's region (<c>sgr_{region}_…</c>); the browser never sees the token
/// after its first request, nor any API credential.
/// </summary>
public sealed partial class ApiClient
{
    public sealed record SigningPage(int Page, double Width, double Height);

    public sealed record SigningField(string Id, string Kind, int Page, double X, double Y, double Width, double Height, bool Required, string? Value);

    public sealed record SigningView(string DocumentId, string Title, string Name, string Role, bool ConsentGiven, bool YourTurn,
        IReadOnlyList<SigningPage> Pages, IReadOnlyList<SigningField> Fields, DateTime? ExpiresAt);

    public sealed record SignResult(string Status, string DocumentStatus, string Receipt);

    /// <summary>The recipient's view of the document, or null when the link shows nothing (wrong, used, or the document is closed).</summary>
    public async Task<SigningView?> GetSigningAsync(string region, string token, CancellationToken ct)
    {
        using var response = await http.GetAsync(For(region, $"/api/v1/signing/{token}"), ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<SigningView>(response, ct);
    }

    /// <summary>The document's PDF exactly as the API holds it (the API records the view); null when the link shows nothing.</summary>
    public async Task<HttpResponseMessage?> GetSigningPdfAsync(string region, string token, CancellationToken ct) =>
        PdfOrNull(await http.GetAsync(For(region, $"/api/v1/signing/{token}/document.pdf"), HttpCompletionOption.ResponseHeadersRead, ct));

    /// <summary>The document as it stands now (sealed once complete) for a signing receipt; null when the receipt is no longer good.</summary>
    public async Task<HttpResponseMessage?> GetReceiptPdfAsync(string region, string receipt, CancellationToken ct) =>
        PdfOrNull(await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, For(region, "/api/v1/signing/receipt"))
        {
            Content = JsonContent.Create(new { receipt }, options: Json),
        }, HttpCompletionOption.ResponseHeadersRead, ct));

    public Task<Problem?> ConsentAsync(string region, string token, CancellationToken ct) =>
        PostAsync(region, $"/api/v1/signing/{token}/consent", new { accept = true }, ct);

    public Task<Problem?> DeclineAsync(string region, string token, string reason, CancellationToken ct) =>
        PostAsync(region, $"/api/v1/signing/{token}/decline", new { reason }, ct);

    public async Task<(SignResult? Result, Problem? Problem)> SignAsync(string region, string token, IReadOnlyDictionary<string, string> fields,
        string? typedName, string? drawnPng, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(For(region, $"/api/v1/signing/{token}/sign"),
            new { fields = fields.Select(f => new { id = f.Key, value = f.Value }), typedName, drawnPng }, Json, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<SignResult>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    private async Task<Problem?> PostAsync(string region, string path, object body, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync(For(region, path), body, Json, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }


    private static HttpResponseMessage? PdfOrNull(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "application/pdf")
        {
            return response;
        }
        var status = response.StatusCode;
        response.Dispose();
        return status == HttpStatusCode.NotFound ? null : throw new HttpRequestException($"the API tier answered {(int)status}", null, status);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(Json, ct) ?? throw new InvalidOperationException("empty response from the API tier");
    }

    private static async Task<Problem> ProblemAsync(HttpResponseMessage response, CancellationToken ct) =>
        (response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? await response.Content.ReadFromJsonAsync<Problem>(Json, ct) : null)
        ?? new Problem((int)response.StatusCode, "The request failed.", null, null);
}
