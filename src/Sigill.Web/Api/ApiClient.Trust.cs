using System.Net.Http.Json;

namespace Sigill.Web.Api;

/// <summary>The public trust center's data (<c>GET /api/v1/trust</c>, cached by the API tier).</summary>
public sealed partial class ApiClient
{
    public async Task<TrustView?> GetTrustAsync(CancellationToken ct)
    {
        using var response = await http.GetAsync(Url("/api/v1/trust"), ct);
        return response.IsSuccessStatusCode ? await response.Content.ReadFromJsonAsync<TrustView>(Json, ct) : null;
    }
}
