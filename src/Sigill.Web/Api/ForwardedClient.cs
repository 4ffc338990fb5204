using System.Globalization;
using System.Net.Http.Headers;

namespace Sigill.Web.Api;

/// <summary>
/// Every call the pages make to the API tier carries the browser's address (X-Forwarded-For, which the API honours only
/// with the service credential) and its User-Agent, so that the API's evidence — the audit log, the certificate of
/// completion, the session list — and its per-address throttles see the person, not the web tier. A call that already
/// names an address keeps it. It also carries the page's language (<see cref="CultureInfo.CurrentUICulture"/>, which a
/// page that speaks one sets) as <c>Accept-Language</c>, so the API's problem details come back in that language; a page
/// that sets none (the invariant culture) sends none, and the API answers in English. Outside a request (a health probe)
/// nothing is added.
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
            if (request.Headers.AcceptLanguage.Count == 0 && Languages.IsSupported(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName))
            {
                request.Headers.AcceptLanguage.Add(new StringWithQualityHeaderValue(CultureInfo.CurrentUICulture.TwoLetterISOLanguageName));
            }
        }
        return base.SendAsync(request, cancellationToken);
    }
}
