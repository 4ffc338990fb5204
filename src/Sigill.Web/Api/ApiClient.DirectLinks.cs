using System.Net.Http.Json;
using System.Text.RegularExpressions;

namespace Sigill.Web.Api;

/// <summary>
/// A template's public direct link (<c>sgt_{region}_…</c>, docs/direct-links.md): what it offers, and starting a document
/// from it. The person's address goes along as X-Forwarded-For so the API counts starts per person, not per web tier.
/// </summary>
public sealed partial class ApiClient
{
    public sealed record DirectLinkView(string Title, DateTime? ExpiresAt);

    private sealed record DirectStart(string SigningUrl);

    /// <summary>The region a direct-link token names, when it is well-formed (the API decides whether it is live).</summary>
    public static bool TryParseDirectToken(string? token, out string region)
    {
        var match = token is null ? Match.Empty : DirectToken().Match(token);
        region = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    public async Task<(DirectLinkView? Link, Problem? Problem)> GetDirectLinkAsync(string region, string token, CancellationToken ct)
    {
        using var response = await http.GetAsync(For(region, $"/api/v1/direct/{Uri.EscapeDataString(token)}"), ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<DirectLinkView>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    /// <summary>
    /// Starts a document from the link for this person, in <paramref name="language"/> (the page's, when their browser
    /// named one Sigill speaks): the path of their signing page (<c>/s/{token}</c>), or the problem.
    /// </summary>
    public async Task<(string? SigningUrl, Problem? Problem)> StartDirectLinkAsync(string region, string token, string name, string email, string? clientAddress, CancellationToken ct,
        string? language = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, For(region, $"/api/v1/direct/{Uri.EscapeDataString(token)}/start"))
        {
            Content = JsonContent.Create(new { name, email, language }, options: Json),
        };
        if (clientAddress is not null) request.Headers.Add("X-Forwarded-For", clientAddress);
        using var response = await http.SendAsync(request, ct);
        return response.IsSuccessStatusCode ? ((await ReadAsync<DirectStart>(response, ct)).SigningUrl, null) : (null, await ProblemAsync(response, ct));
    }

    [GeneratedRegex("^sgt_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex DirectToken();
}
