using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;

namespace Sigill.Web.Recipient;

/// <summary>
/// The recipient's browser session. The link token from the e-mail is exchanged on first use for this cookie
/// and the browser is redirected to <c>/s</c>, so the token leaves the address bar, history and Referer.
/// The cookie is encrypted and authenticated by the web tier (data protection) and is HttpOnly, SameSite=Lax
/// (the first request arrives from a mail client, another site) and, with TLS, Secure with the <c>__Host-</c>
/// prefix (no Domain, Path=/). It holds the link token, the step-up grant once the recipient passed a code (sent
/// as <c>Sigill-Step-Up</c> on every later call; the API lets it lapse after 30 minutes), and after signing the
/// signing receipt that downloads the signed PDF — never document content.
/// </summary>
internal sealed partial record RecipientSession(string Token, string Region, string? Outcome = null, string? Receipt = null, string? Title = null, bool Completed = false,
    string? Grant = null)
{
    public const string Signed = "signed";
    public const string Declined = "declined";
    private const string Purpose = "Sigill.Web.RecipientSession.v1";

    /// <summary>The cookie name: <c>__Host-</c> needs Secure, which browsers refuse on plain http, so development over http drops the prefix.</summary>
    public static string CookieName(WebTierOptions options) => options.Tls ? "__Host-sigill-recipient" : "sigill-recipient";

    /// <summary>Reads the region of a well-formed link token (<c>sgr_{region}_{52 base32}</c>); anything else is not a token.</summary>
    public static bool TryParseToken(string? token, out string region)
    {
        var match = token is null ? Match.Empty : LinkToken().Match(token);
        region = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    public static RecipientSession? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName(options), out var value) || value.Length > 4000)
        {
            return null;
        }
        try
        {
            var session = JsonSerializer.Deserialize<RecipientSession>(protection.CreateProtector(Purpose).Unprotect(value));
            return session is not null && TryParseToken(session.Token, out var region) && region == session.Region ? session : null;
        }
        catch (Exception e) when (e is CryptographicException or JsonException or FormatException)
        {
            return null; // tampered, from another key ring (a restarted web tier), or not ours: no session
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

    [GeneratedRegex("^sgr_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex LinkToken();
}
