using System.Net.Http.Json;
using System.Text.Json;

namespace Sigill.Web.Api;

/// <summary>
/// The web tier's backend-for-frontend client of the API tier. The service credential is added by
/// the HttpClient's configuration; pages never see it. Errors come back as the API's problem details, in the page's
/// language: <see cref="ForwardedClient"/> sends the page's <see cref="System.Globalization.CultureInfo.CurrentUICulture"/>
/// as <c>Accept-Language</c> on every call, when it is one of the five languages.
/// </summary>
public sealed partial class ApiClient(HttpClient http, Yarp.ReverseProxy.IProxyStateLookup proxy)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public sealed record Problem(int? Status, string? Title, string? Detail, string? Code)
    {
        /// <summary>Seconds to wait before trying again (the response's Retry-After), when the API said so.</summary>
        public int? RetryAfterSeconds { get; init; }

        /// <summary>The organizations a <c>last_owner</c> refusal names (the problem's <c>organizations</c> member).</summary>
        public IReadOnlyList<string>? Organizations { get; init; }

        /// <summary>
        /// What a person reads: a 429 says how long to wait; anything else both what went wrong and what to do
        /// ("The code is not right. 4 attempt(s) left…").
        /// </summary>
        public string Describe()
        {
            if (RetryAfterSeconds is { } seconds)
            {
                var wait = seconds >= 90 ? $"{(seconds + 59) / 60} minutes" : $"{seconds} seconds";
                return $"{Title ?? "Too many attempts."} Please wait {wait} before trying again.";
            }
            return Title is not null && Detail is not null ? $"{Title} {Detail}" : Detail ?? Title ?? "That did not work; please try again.";
        }
    }

    public async Task<SetupStatus> GetSetupStatusAsync(CancellationToken ct) =>
        await http.GetFromJsonAsync<SetupStatus>(Url("/api/v1/setup"), Json, ct) ?? throw new InvalidOperationException("empty setup status");

    public async Task<(SetupResult? Result, Problem? Problem)> CompleteSetupAsync(string token, string organizationName, string region,
        string name, string email, string password, CancellationToken ct, string? acceptDpaVersion = null)
    {
        using var response = await http.PostAsJsonAsync(Url("/api/v1/setup"), new { setupToken = token, organizationName, region, name, email, password, acceptDpaVersion }, Json, ct);
        if (response.IsSuccessStatusCode)
        {
            return (await response.Content.ReadFromJsonAsync<SetupResult>(Json, ct), null);
        }
        var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? await response.Content.ReadFromJsonAsync<Problem>(Json, ct)
            : null;
        return (null, problem ?? new Problem((int)response.StatusCode, "The request failed.", null, null));
    }

    /// <summary>An address on a node of the default API deployment that the proxy currently considers healthy.</summary>
    private Uri Url(string path) => NodeUrl(Routing.ApiClusters.DefaultCluster, path);

    /// <summary>An address on a healthy node of a region's API deployment (<c>Web:RegionApis</c>), else of the default one.</summary>
    private Uri For(string region, string path) =>
        NodeUrl(proxy.TryGetCluster(Routing.ApiClusters.RegionCluster(region), out _) ? Routing.ApiClusters.RegionCluster(region) : Routing.ApiClusters.DefaultCluster, path);

    private Uri NodeUrl(string clusterId, string path)
    {
        var nodes = proxy.TryGetCluster(clusterId, out var cluster) ? cluster.DestinationsState.AvailableDestinations : [];
        var node = nodes.Count > 0 ? nodes[System.Security.Cryptography.RandomNumberGenerator.GetInt32(nodes.Count)] : cluster!.Destinations.Values.First();
        return new Uri(new Uri(node.Model.Config.Address), path);
    }

    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        try
        {
            using var response = await http.GetAsync(Url("/health/ready"), ct);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
