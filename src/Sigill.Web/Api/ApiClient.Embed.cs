using System.Text.RegularExpressions;

namespace Sigill.Web.Api;

/// <summary>
/// Embedded signing (docs/embedding.md): opening a one-time embedded URL (<c>sge_{region}_…</c>) trades it for the
/// recipient's fresh signing link and the one origin allowed to frame the page.
/// </summary>
public sealed partial class ApiClient
{
    public sealed record EmbedOpened(string RecipientToken, string Origin, string DocumentId, string RecipientId);

    /// <summary>The region an embed token names, when it is well-formed (the API decides whether it opens).</summary>
    public static bool TryParseEmbedToken(string? token, out string region)
    {
        var match = token is null ? Match.Empty : EmbedToken().Match(token);
        region = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    public async Task<(EmbedOpened? Opened, Problem? Problem)> OpenEmbedAsync(string region, string token, CancellationToken ct)
    {
        using var response = await http.PostAsync(For(region, $"/api/v1/embed/{Uri.EscapeDataString(token)}/open"), null, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<EmbedOpened>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    [GeneratedRegex("^sge_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex EmbedToken();
}

/// <summary>Embedded sending: opening a one-time sending URL trades it for a session of one member scoped to one draft.</summary>
public sealed partial class ApiClient
{
    public sealed record EmbedSendOpened(string Session, DateTime ExpiresAt, string Origin, string DocumentId, string UserId);

    public async Task<(EmbedSendOpened? Opened, Problem? Problem)> OpenEmbedSendAsync(string region, string token, CancellationToken ct)
    {
        using var response = await http.PostAsync(For(region, $"/api/v1/embed/{Uri.EscapeDataString(token)}/open-send"), null, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<EmbedSendOpened>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }
}
