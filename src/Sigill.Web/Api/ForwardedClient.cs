namespace Sigill.Web.Api;

/// <summary>
/// Every call the pages make to the API tier carries the browser's address (X-Forwarded-For, which the API honours only
/// with the service credential) and its User-Agent, so that the API's evidence — the audit log, the certificate of
/// completion, the session list — and its per-address throttles see the person, not the web tier. A call that already
/// names an address keeps it. Outside a request (a health probe) nothing is added.
/// </summary>
internal sealed class ForwardedClient(IHttpContextAccessor accessor) : DelegatingHandler
{
    /// <summary>The longest User-Agent passed on (the API keeps at most 512 characters of it, too).</summary>
    private const int MaxUserAgent = 512;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (accessor.HttpContext is { } browser)
        {
            if (!request.Headers.Contains("X-Forwarded-For") && browser.Connection.RemoteIpAddress is { } address)
            {
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", address.ToString());
            }
            var agent = browser.Request.Headers.UserAgent.ToString();
            if (agent.Length > 0 && !agent.Any(char.IsControl))
            {
                request.Headers.TryAddWithoutValidation("User-Agent", agent.Length > MaxUserAgent ? agent[..MaxUserAgent] : agent);
            }
        }
        return base.SendAsync(request, cancellationToken);
    }
}
