using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>
/// Single sign-on on the region's API (<c>/api/v1/regions/{region}/auth/sso/…</c>): start (by organization id or by
/// the directory hash of a work e-mail's domain) answers the identity provider's authorization URL and the OAuth
/// state; callback hands the provider's code and state back and answers a session like a password sign-in.
/// </summary>
public sealed partial class ApiClient
{
    public async Task<(SsoStart? Start, Problem? Problem)> StartSsoAsync(string region, string? organizationId, string? domainHash, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "auth/sso/start", new { organizationId, domainHash }, clientAddress, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<SsoStart>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    public Task<(SignInResponse? Result, Problem? Problem)> FinishSsoAsync(string region, string state, string code, string? iss, string? clientAddress, CancellationToken ct) =>
        SignInLikeAsync(region, "auth/sso/callback", new { state, code, iss }, clientAddress, ct);
}
