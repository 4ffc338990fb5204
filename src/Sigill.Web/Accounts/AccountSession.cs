using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Sigill.Web.Security;

namespace Sigill.Web.Accounts;

/// <summary>
/// A signed-in person's browser session (backend-for-frontend). The API's session secret (<c>sgs_{region}_…</c>)
/// lives only here, inside a cookie the web tier encrypts and authenticates (data protection): HttpOnly, SameSite=Lax,
/// Path=/, and with TLS Secure under the <c>__Host-</c> prefix. Pages send the secret to the region's API as a Bearer
/// credential; the browser never reads it. Between the password and the second factor the cookie holds the API's
/// sign-in challenge instead. The cookie is a <see cref="SealedCookie{T}"/>, sealed under <c>Web:CookieKey</c>, so it outlives a web-tier restart.
/// </summary>
internal sealed record AccountSession(string Region, string? Session = null, string? Challenge = null)
{
    private static readonly SealedCookie<AccountSession> Cookie = new("sigill-session", "Sigill.Web.AccountSession.v1");

    public static string CookieName(WebTierOptions options) => Cookie.Name(options);

    public static AccountSession? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) => Cookie.Read(context, protection, options);

    public void Write(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) => Cookie.Write(context, protection, options, this);

    public static void Clear(HttpContext context, WebTierOptions options) => Cookie.Clear(context, options);
}
