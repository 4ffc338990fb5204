using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>
/// The sender's pages call the public REST API (<c>/api/v1/…</c>) of their region, as the signed-in person: the session
/// secret from the cookie goes along as a Bearer credential. The answers are the API's own JSON, read into the records
/// below, or its problem details. A 401 means the session ended (expired, revoked, signed out elsewhere).
/// </summary>
public sealed partial class ApiClient
{
    /// <summary>The API's answer: a value, or its problem details (never both).</summary>
    public sealed record Reply<T>(T? Value, Problem? Problem)
    {
        public bool Ok => Problem is null;
    }

    /// <summary>Thrown when the API says the session is no longer good; the sender's pages answer with the sign-in page.</summary>
    public sealed class SignedOutException() : Exception("the session ended");

    /// <summary>A JSON call (<paramref name="body"/> serialized when given) whose answer is read as <typeparamref name="T"/>.</summary>
    public async Task<Reply<T>> CallAsync<T>(string region, string session, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await SessionAsync(region, session, method, path, body is null ? null : JsonContent.Create(body, options: Json), ct);
        return response.IsSuccessStatusCode ? new(await ReadAsync<T>(response, ct), null) : new(default, await ProblemAsync(response, ct));
    }

    /// <summary>A call whose answer has no body worth reading (204, or a view the page reloads anyway).</summary>
    public async Task<Problem?> CallAsync(string region, string session, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        using var response = await SessionAsync(region, session, method, path, body is null ? null : JsonContent.Create(body, options: Json), ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>An upload (multipart) read as <typeparamref name="T"/>.</summary>
    public async Task<Reply<T>> UploadAsync<T>(string region, string session, string path, MultipartFormDataContent content, CancellationToken ct)
    {
        using var response = await SessionAsync(region, session, HttpMethod.Post, path, content, ct);
        return response.IsSuccessStatusCode ? new(await ReadAsync<T>(response, ct), null) : new(default, await ProblemAsync(response, ct));
    }

    /// <summary>
    /// A PDF from the API, left unread for the caller to stream through (and dispose). A non-PDF answer is returned as
    /// its problem details instead.
    /// </summary>
    public async Task<(HttpResponseMessage? Pdf, Problem? Problem)> PdfAsync(string region, string session, HttpMethod method, string path, object? body, CancellationToken ct)
    {
        var response = await SessionAsync(region, session, method, path, body is null ? null : JsonContent.Create(body, options: Json), ct, HttpCompletionOption.ResponseHeadersRead);
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == "application/pdf") return (response, null);
        using (response) return (null, await ProblemAsync(response, ct));
    }

    /// <summary>A file of <paramref name="mediaType"/> from the API (a privacy export's ZIP), left unread for the caller to stream through (and dispose).</summary>
    public async Task<(HttpResponseMessage? File, Problem? Problem)> FileAsync(string region, string session, string path, string mediaType, CancellationToken ct)
    {
        var response = await SessionAsync(region, session, HttpMethod.Get, path, null, ct, HttpCompletionOption.ResponseHeadersRead);
        if (response.IsSuccessStatusCode && response.Content.Headers.ContentType?.MediaType == mediaType) return (response, null);
        using (response) return (null, await ProblemAsync(response, ct));
    }

    /// <summary>A small binary answer (an image) read whole, or null when the API has none (404) or refuses.</summary>
    public async Task<byte[]?> BytesAsync(string region, string session, string path, int maxBytes, CancellationToken ct)
    {
        using var response = await SessionAsync(region, session, HttpMethod.Get, path, null, ct, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength is not { } length || length > maxBytes) return null;
        return await response.Content.ReadAsByteArrayAsync(ct);
    }

    private async Task<HttpResponseMessage> SessionAsync(string region, string session, HttpMethod method, string path, HttpContent? content, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        var request = new HttpRequestMessage(method, For(region, path)) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session);
        var response = await http.SendAsync(request, completion, ct);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            response.Dispose();
            throw new SignedOutException();
        }
        return response;
    }
}
