using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Accounts;

/// <summary>
/// A signed-in person's browser session (backend-for-frontend). The API's session secret (<c>sgs_{region}_…</c>)
/// lives only here, inside a cookie the web tier encrypts and authenticates (data protection): HttpOnly, SameSite=Lax,
/// Path=/, and with TLS Secure under the <c>__Host-</c> prefix. Pages send the secret to the region's API as a Bearer
/// credential; the browser never reads it. Between the password and the second factor the cookie holds the API's
/// sign-in challenge instead. The cookie is sealed under `Web:CookieKey` (Security/CookieProtection.cs), so it outlives a web-tier restart.
/// </summary>
internal sealed record AccountSession(string Region, string? Session = null, string? Challenge = null)
{
    private const string Purpose = "Sigill.Web.AccountSession.v1";

    /// <summary><c>__Host-</c> needs Secure, which browsers refuse on plain http, so development over http drops the prefix.</summary>
    public static string CookieName(WebTierOptions options) => options.Tls ? "__Host-sigill-session" : "sigill-session";

    public static AccountSession? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName(options), out var value) || value.Length > 4000)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<AccountSession>(protection.CreateProtector(Purpose).Unprotect(value));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null; // tampered, or from a previous web tier process: not signed in
        }
    }

    public void Write(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) =>
        context.Response.Cookies.Append(CookieName(options), protection.CreateProtector(Purpose).Protect(JsonSerializer.Serialize(this)), CookieOptions(options));

    public static void Clear(HttpContext context, WebTierOptions options) =>
        context.Response.Cookies.Delete(CookieName(options), CookieOptions(options));

    private static CookieOptions CookieOptions(WebTierOptions options) => new()
    {
        HttpOnly = true,
        Secure = options.Tls,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        IsEssential = true,
    };
}
