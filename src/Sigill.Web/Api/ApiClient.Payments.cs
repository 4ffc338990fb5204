using System.Net;

namespace Sigill.Web.Api;

/// <summary>
/// The payer's calls (<c>/api/v1/pay/{token}</c>), made server-side with the token of the payer's link and sent straight
/// to the API deployment of its region (<c>sgp_{region}_…</c>). The link alone authorizes them; there is no session.
/// </summary>
public sealed partial class ApiClient
{
    /// <summary>What the payer's page shows, or null when the link shows nothing (wrong, or its payment was cancelled).</summary>
    public async Task<PaymentPageView?> GetPaymentPageAsync(string region, string token, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Get, region, $"/api/v1/pay/{token}", null, null, ct);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<PaymentPageView>(response, ct);
    }

    /// <summary>Starts the processor's hosted checkout: where to send the payer, or the API's problem (404 for a dead link).</summary>
    public async Task<(CheckoutLink? Link, Problem? Problem)> StartCheckoutAsync(string region, string token, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, region, $"/api/v1/pay/{token}/checkout", null, new { }, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<CheckoutLink>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }

    /// <summary>The payer is back from the checkout: the API reads it from the processor and records the payment; the page as it stands then.</summary>
    public async Task<(PaymentPageView? View, Problem? Problem)> ReturnFromCheckoutAsync(string region, string token, string checkoutId, CancellationToken ct)
    {
        using var response = await SendAsync(HttpMethod.Post, region, $"/api/v1/pay/{token}/return", null, new { checkoutId }, ct);
        return response.IsSuccessStatusCode ? (await ReadAsync<PaymentPageView>(response, ct), null) : (null, await ProblemAsync(response, ct));
    }
}
