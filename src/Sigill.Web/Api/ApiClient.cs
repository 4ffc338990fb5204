using System.Net.Http.Json;
using System.Text.Json;

namespace Sigill.Web.Api;

/// <summary>
/// The web tier's backend-for-frontend client of the API tier. The service credential is added by
/// the HttpClient's configuration; pages never see it. Errors come back as the API's problem details.
/// </summary>
public sealed partial class ApiClient(HttpClient http, WebTierOptions options)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record SetupStatus(bool SetupPending, IReadOnlyList<string> Regions);

    public sealed record SetupResult(string OrganizationId, string Region, string UserId, string ApiToken, DateTime ApiTokenExpiresAt);

    public sealed record Problem(int? Status, string? Title, string? Detail, string? Code);

    public async Task<SetupStatus> GetSetupStatusAsync(CancellationToken ct) =>
        await http.GetFromJsonAsync<SetupStatus>("/api/v1/setup", Json, ct) ?? throw new InvalidOperationException("empty setup status");

    public async Task<(SetupResult? Result, Problem? Problem)> CompleteSetupAsync(string token, string organizationName, string region,
        string name, string email, string password, CancellationToken ct)
    {
        using var response = await http.PostAsJsonAsync("/api/v1/setup", new { setupToken = token, organizationName, region, name, email, password }, Json, ct);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<SetupResult>(Json, ct), null);
        }
        var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? await response.Content.ReadFromJsonAsync<Problem>(Json, ct)
            : null;
        return (null, problem ?? new Problem((int)response.StatusCode, "The request failed.", null, null));
    }

    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync("/health/ready", ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
