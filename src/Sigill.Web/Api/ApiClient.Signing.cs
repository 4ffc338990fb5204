using System.Net;
using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>
/// The recipient's calls, made server-side with the link token from the recipient's session cookie. Each goes
/// straight to the API deployment of the token's region (<c>sgr_{region}_…</c>); the browser never sees the token
/// after its first request, nor any API credential. A step-up grant (<see cref="SigillHeaders.StepUp"/>), once the recipient
/// has passed an access code or e-mailed code, rides along on every call; without one the API shows nothing and acts on nothing.
/// </summary>
public sealed partial class ApiClient
{
    /// <summary>The recipient's view of the document, or null when the link shows nothing (wrong, used, or the document is closed).</summary>
    public async Task<SigningView?> GetSigningAsync(string region, string token, string? grant, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, region, $"/api/v1/signing/{token}", grant, null, ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<SigningView>(response, ct);
    }

    /// <summary>The privacy notice of the recipient's link (who the controller and the operator are), or null when the link shows nothing.</summary>
    public async Task<PrivacyNoticeView?> GetPrivacyNoticeAsync(string region, string token, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, region, $"/api/v1/signing/{token}/privacy", null, null, ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<PrivacyNoticeView>(response, ct);
    }

    /// <summary>The document's PDF exactly as the API holds it (the API records the view); null when the link shows nothing or needs a step-up first.</summary>
    public async Task<HttpResponseMessage?> GetSigningPdfAsync(string region, string token, string? grant, CancellationToken ct) =>
        PdfOrNull(await SendAsync(HttpMethod.Get, region, $"/api/v1/signing/{token}/document.pdf", grant, null, ct, HttpCompletionOption.ResponseHeadersRead));

    /// <summary>The document as it stands now (sealed once complete) for a signing receipt; null when the receipt is no longer good.</summary>
    public async Task<HttpResponseMessage?> GetReceiptPdfAsync(string region, string receipt, CancellationToken ct) =>
        PdfOrNull(await SendAsync(HttpMethod.Post, region, "/api/v1/signing/receipt", null, new { receipt }, ct, HttpCompletionOption.ResponseHeadersRead));

    /// <summary>The sealed PDF for a completion e-mail's download link; null when the link is not (or no longer) good.</summary>
    public async Task<HttpResponseMessage?> GetDeliveredPdfAsync(string region, string token, CancellationToken ct) =>
        PdfOrNull(await SendAsync(HttpMethod.Get, region, $"/api/v1/delivery/{token}", null, null, ct, HttpCompletionOption.ResponseHeadersRead));

    /// <summary>A file the delivery link's recipient uploaded while signing (PDF, PNG or JPEG); null when the link or field shows nothing.</summary>
    public async Task<HttpResponseMessage?> GetDeliveredFileAsync(string region, string token, string fieldId, CancellationToken ct) =>
        FileOrNull(await SendAsync(HttpMethod.Get, region, $"/api/v1/delivery/{token}/files/{Uri.EscapeDataString(fieldId)}", null, null, ct,
            HttpCompletionOption.ResponseHeadersRead), "application/pdf", "image/png", "image/jpeg");

    public Task<Problem?> ConsentAsync(string region, string token, string? grant, CancellationToken ct) =>
        PostAsync(region, $"/api/v1/signing/{token}/consent", grant, new { accept = true }, ct);

    public Task<Problem?> DeclineAsync(string region, string token, string? grant, string reason, CancellationToken ct) =>
        PostAsync(region, $"/api/v1/signing/{token}/decline", grant, new { reason }, ct);

    public async Task<(SignResult? Result, Problem? Problem)> SignAsync(string region, string token, string? grant, IReadOnlyDictionary<string, string> fields,
        string? typedName, string? drawnPng, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, region, $"/api/v1/signing/{token}/sign", grant,
            new { fields = fields.Select(f => new { id = f.Key, value = f.Value }), typedName, drawnPng }, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<SignResult>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    /// <summary>Checks an access code or e-mailed code; a pass returns the grant to keep in the recipient's session.</summary>
    public async Task<(StepUpGrant? Grant, Problem? Problem)> VerifyStepUpAsync(string region, string token, string code, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, region, $"/api/v1/signing/{token}/step-up", null, new { code }, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<StepUpGrant>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    /// <summary>Asks the API to e-mail a fresh one-time code to the recipient's own address.</summary>
    public Task<Problem?> SendStepUpCodeAsync(string region, string token, CancellationToken ct) =>
        PostAsync(region, $"/api/v1/signing/{token}/step-up/code", null, new { }, ct);

    private async Task<Problem?> PostAsync(string region, string path, string? grant, object body, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, region, path, grant, body, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string region, string path, string? grant, object? body, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(method, For(region, path)) { Content = body is null ? null : JsonContent.Create(body, options: Json) };
        if (grant is not null) request.Headers.Add(SigillHeaders.StepUp, grant);
        return http.SendAsync(request, completion, ct);
    }

    private static HttpResponseMessage? PdfOrNull(HttpResponseMessage response) => FileOrNull(response, "application/pdf");

    /// <summary>The answer when it is a success of one of <paramref name="types"/>; null when the API shows nothing (404, or 403 before a step-up).</summary>
    private static HttpResponseMessage? FileOrNull(HttpResponseMessage response, params string[] types)
    {
        if (response.IsSuccessStatusCode && types.Contains(response.Content.Headers.ContentType?.MediaType))
        {
            return response;
        }
        var status = response.StatusCode;
        response.Dispose();
        // 403: a step-up is required and not passed (or its grant lapsed); like a dead link, the page shows nothing.
        return status is HttpStatusCode.NotFound or HttpStatusCode.Forbidden ? null : throw new HttpRequestException($"the API tier answered {(int)status}", null, status);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken ct)
    {
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<T>(Json, ct) ?? throw new InvalidOperationException("empty response from the API tier");
    }

    /// <summary>The API's problem details, with the wait from Retry-After (429) for pages to show.</summary>
    private static async Task<Problem> ProblemAsync(HttpResponseMessage response, CancellationToken ct) =>
        ((response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? await response.Content.ReadFromJsonAsync<Problem>(Json, ct) : null)
            ?? new Problem((int)response.StatusCode, "The request failed.", null, null))
        with { RetryAfterSeconds = response.Headers.RetryAfter?.Delta is { } wait ? (int)Math.Ceiling(wait.TotalSeconds) : null };
}
