using System.Net.Http.Headers;
using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>
/// Sign-up, sign-in and the account, on the region's API (<c>/api/v1/regions/{region}/auth/…</c>). The person's
/// address goes along as X-Forwarded-For so the API's per-address throttles count the person, not the web tier.
/// The session secret is sent as a Bearer credential and never reaches the browser.
/// </summary>
public sealed partial class ApiClient
{
    /// <summary>Whether the region's API holds an account with this directory hash; a region it does not serve knows nobody.</summary>
    public async Task<bool> LocateAsync(string region, string emailHash, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "auth/locate", new { emailHash }, null, ct);
        return response.IsSuccessStatusCode && (await response.Content.ReadFromJsonAsync<LocateResult>(Json, ct))?.Known == true;
    }

    /// <summary>Asks for a sign-up: null when the API accepted it (the same whether or not the address has an account), else the problem.</summary>
    public async Task<Problem?> SignUpAsync(string region, string name, string email, string password, string organizationName,
        string? acceptDpaVersion, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "auth/sign-up", new { name, email, password, organizationName, acceptDpaVersion }, clientAddress, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>Follows a sign-up's e-mailed link (<c>sgv_{region}_…</c>): the new account's first session.</summary>
    public Task<(SignInResponse? Result, Problem? Problem)> VerifySignUpAsync(string region, string token, string? clientAddress, CancellationToken ct) =>
        SignInLikeAsync(region, "auth/sign-up/verify", new { token }, clientAddress, ct);

    /// <summary>Asks for a password reset: null when the API accepted it (the same whether or not the address has an account), else the problem.</summary>
    public async Task<Problem?> RequestPasswordResetAsync(string region, string email, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "auth/password-reset", new { email }, clientAddress, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>Sets a new password through a reset's e-mailed link (<c>sgp_{region}_…</c>): null when done, else the problem.</summary>
    public async Task<Problem?> CompletePasswordResetAsync(string region, string token, string password, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "auth/password-reset/complete", new { token, password }, clientAddress, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>Submits the public privacy-request form to a region: null when accepted (the same for every address), else the problem.</summary>
    public async Task<Problem?> SubmitPrivacyRequestAsync(string region, string email, string type, string? message, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "privacy-requests", new { email, type, message }, clientAddress, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>Confirms a privacy request by its e-mailed link (<c>sgq_{region}_…</c>): null when done, else the problem.</summary>
    public async Task<Problem?> ConfirmPrivacyRequestAsync(string region, string token, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, "privacy-requests/confirm", new { token }, clientAddress, ct);
        return response.IsSuccessStatusCode ? null : await ProblemAsync(response, ct);
    }

    /// <summary>A password sign-in; <paramref name="code"/> sends the second factor along (needed past an account's ceiling).</summary>
    public Task<(SignInResponse? Result, Problem? Problem)> SignInAsync(string region, string email, string password, string? code, string? clientAddress, CancellationToken ct) =>
        SignInLikeAsync(region, "auth/sign-in", new { email, password, code }, clientAddress, ct);

    public Task<(SignInResponse? Result, Problem? Problem)> SecondFactorAsync(string region, string challenge, string code, string? clientAddress, CancellationToken ct) =>
        SignInLikeAsync(region, "auth/second-factor", new { challenge, code }, clientAddress, ct);

    /// <summary>The signed-in person, or null when the session is no longer good (expired, revoked, signed out).</summary>
    public async Task<AccountView?> GetAccountAsync(string region, string session, CancellationToken ct)
    {
        using var response = await http.SendAsync(WithBearer(HttpMethod.Get, For(region, "/api/v1/account"), session), ct);
        return response.IsSuccessStatusCode ? await ReadAsync<AccountView>(response, ct) : null;
    }

    /// <summary>Ends the session at the API; whatever it answers, the caller forgets the secret.</summary>
    public async Task SignOutAsync(string region, string session, CancellationToken ct)
    {
        using var response = await http.SendAsync(WithBearer(HttpMethod.Post, For(region, "/api/v1/account/sign-out"), session), ct);
    }

    private sealed record LocateResult(bool Known);

    private async Task<(SignInResponse?, Problem?)> SignInLikeAsync(string region, string action, object body, string? clientAddress, CancellationToken ct)
    {
        using var response = await AuthAsync(region, action, body, clientAddress, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<SignInResponse>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    private Task<HttpResponseMessage> AuthAsync(string region, string action, object body, string? clientAddress, CancellationToken ct)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, For(region, $"/api/v1/regions/{Uri.EscapeDataString(region)}/{action}"))
        {
            Content = JsonContent.Create(body, options: Json),
        };
        if (clientAddress is not null) request.Headers.Add("X-Forwarded-For", clientAddress);
        return http.SendAsync(request, ct);
    }

    private static HttpRequestMessage WithBearer(HttpMethod method, Uri url, string session) =>
        new(method, url) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", session) } };
}
