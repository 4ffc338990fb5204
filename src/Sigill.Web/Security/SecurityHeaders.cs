using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Security;

/// <summary>
/// Response headers for every web-tier response. The Content-Security-Policy allows scripts and
/// styles only from this origin or with the per-response nonce (no 'unsafe-inline', no 'unsafe-eval'),
/// forbids framing, and pins form posts and the base URL to this origin. One page widens one directive: the payer's
/// page (<c>/p/{token}</c>) lets its form post be redirected to the payment processor's hosted checkout
/// (<see cref="AllowFormActions"/>), since browsers apply <c>form-action</c> to a form post's redirects too. The embedded
/// signing page (<c>/e</c>) lets one origin frame it (<see cref="AllowFrameAncestors"/>).
/// </summary>
internal static partial class SecurityHeaders
{
    public const string NonceItem = "csp-nonce";

    /// <summary>Origins this response's forms may also post to (or be redirected to); set by <see cref="AllowFormActions"/>.</summary>
    private const string FormActionItem = "csp-form-action";

    /// <summary>The one origin that may frame this response; set by <see cref="AllowFrameAncestors"/>.</summary>
    private const string FrameAncestorItem = "csp-frame-ancestor";

    public static IApplicationBuilder UseSecurityHeaders(this IApplicationBuilder app, bool tls) =>
        app.Use(async (context, next) =>
        {
            var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            context.Items[NonceItem] = nonce;
            context.Response.OnStarting(() =>
            {
                var h = context.Response.Headers;
                var formAction = context.Items[FormActionItem] is IReadOnlyList<string> { Count: > 0 } origins ? "'self' " + string.Join(' ', origins) : "'self'";
                var ancestor = context.Items[FrameAncestorItem] as string;
                h.ContentSecurityPolicy =
                    $"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data: blob:; " +
                    $"object-src 'none'; base-uri 'none'; form-action {formAction}; frame-ancestors {ancestor ?? "'none'"}";
                h.XContentTypeOptions = "nosniff";
                // A framed page's own form posts must carry Origin (checked instead of an antiforgery cookie, which a
                // framed page cannot keep): "no-referrer" would make the browser send "Origin: null", "same-origin" does not
                // and still sends nothing to other sites.
                h["Referrer-Policy"] = ancestor is null ? "no-referrer" : "same-origin";
                h["Cross-Origin-Opener-Policy"] = "same-origin";
                h["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";
                // Pages can show secrets (a token shown once) or customer data: never cache them. Assets set their own
                // caching (Routing/StaticAssets: immutable when fingerprinted), and so does the public audit log
                // (hashes and signed checkpoints only; the API tier sets its caching).
                if (!context.Request.Path.StartsWithSegments("/assets", StringComparison.Ordinal)
                    && !context.Request.Path.StartsWithSegments("/audit", StringComparison.Ordinal))
                {
                    h.CacheControl = "no-store";
                }
                if (tls)
                {
                    h.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
                }
                return Task.CompletedTask;
            });
            await next(context);
        });

    public static string Nonce(HttpContext context) => (string)context.Items[NonceItem]!;

    /// <summary>
    /// Lets this response's forms post to <paramref name="origins"/> as well as this origin (<c>form-action 'self' …</c>),
    /// nothing else in the policy changing. The origins are validated configuration (<see cref="WebTierOptions.CheckoutOrigins"/>),
    /// never anything a request carries.
    /// </summary>
    public static void AllowFormActions(HttpContext context, IReadOnlyList<string> origins) => context.Items[FormActionItem] = origins;

    /// <summary>
    /// Lets exactly <paramref name="origin"/> frame this response (<c>frame-ancestors {origin}</c>; every other response
    /// keeps <c>'none'</c>). The origin comes from the API, which checked it against the organization's registered list;
    /// it is checked again here to be exactly <c>http(s)://host[:port]</c> (never a wildcard or a list), else ignored.
    /// </summary>
    public static bool AllowFrameAncestors(HttpContext context, string? origin)
    {
        if (origin is null || !SingleOrigin().IsMatch(origin)) return false;
        context.Items[FrameAncestorItem] = origin;
        return true;
    }

    [System.Text.RegularExpressions.GeneratedRegex("^https?://[a-z0-9](?:[a-z0-9.-]{0,198}[a-z0-9])?(?::[0-9]{1,5})?$")]
    private static partial System.Text.RegularExpressions.Regex SingleOrigin();
}
