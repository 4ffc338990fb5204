using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Recipient;

/// <summary>
/// What stands in for antiforgery on the embedded page (<c>/e</c>), whose forms cannot rely on a cookie (a framed page's
/// cookies are third-party cookies): each post must come from a page of this web tier (its <c>Origin</c> header is
/// this origin; the embedded page's Referrer-Policy <c>same-origin</c> makes browsers send it) and carry a session sealed
/// for the embedded page (<see cref="RecipientSession.OpenEmbedded"/>). A form on another site can forge neither.
/// </summary>
internal static class EmbedRequests
{
    public const string SessionField = "EmbedSession";

    /// <summary>This web tier's own origin as a browser names it (https when it serves TLS, even behind a proxy).</summary>
    public static string OwnOrigin(HttpRequest request, WebTierOptions options) => $"{(options.Tls ? "https" : request.Scheme)}://{request.Host.Value}".ToLowerInvariant();

    public static bool FromOwnPage(HttpRequest request, WebTierOptions options) =>
        request.Headers.Origin is [{ } origin] && string.Equals(origin, OwnOrigin(request, options), StringComparison.OrdinalIgnoreCase);

    /// <summary>The embedded session a post from this web tier's own page carries, or null.</summary>
    public static async Task<RecipientSession?> SessionAsync(HttpRequest request, WebTierOptions options, Microsoft.AspNetCore.DataProtection.IDataProtectionProvider protection)
    {
        if (!FromOwnPage(request, options) || !request.HasFormContentType) return null;
        var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
        return RecipientSession.OpenEmbedded(form[SessionField].ToString(), protection);
    }
}
