using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Security;

/// <summary>
/// A value the web tier keeps in the browser that only the web tier can read or change: JSON sealed by the data
/// protection provider (<see cref="CookieProtection"/> under <c>Web:CookieKey</c>) for one purpose, in a cookie that is
/// HttpOnly, SameSite=Lax (it must come back on a link from a mail client or an identity provider's redirect), Path=/,
/// and with TLS Secure under the <c>__Host-</c> prefix (browsers refuse Secure cookies over plain http, so development
/// over http drops the prefix). A missing, oversized, tampered or foreign cookie reads as none.
/// </summary>
internal sealed class SealedCookie<T>(string name, string purpose, TimeSpan? maxAge = null) where T : class
{
    public string Name(WebTierOptions options) => options.Tls ? "__Host-" + name : name;

    public T? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options)
    {
        if (!context.Request.Cookies.TryGetValue(Name(options), out var value) || value.Length > 4000)
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize<T>(protection.CreateProtector(purpose).Unprotect(value));
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null; // tampered, sealed under another key, or not ours
        }
    }

    public void Write(HttpContext context, IDataProtectionProvider protection, WebTierOptions options, T value) =>
        context.Response.Cookies.Append(Name(options), protection.CreateProtector(purpose).Protect(JsonSerializer.Serialize(value)), Options(options, maxAge));

    public void Clear(HttpContext context, WebTierOptions options) => context.Response.Cookies.Delete(Name(options), Options(options, null));

    private static CookieOptions Options(WebTierOptions options, TimeSpan? maxAge) => new()
    {
        HttpOnly = true,
        Secure = options.Tls,
        SameSite = SameSiteMode.Lax,
        Path = "/",
        IsEssential = true,
        MaxAge = maxAge,
    };
}
