using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Sigill.Web.Security;

namespace Sigill.Web.Recipient;

/// <summary>
/// The recipient's browser session. The link token from the e-mail is exchanged on first use for this cookie
/// and the browser is redirected to <c>/s</c>, so the token leaves the address bar, history and Referer.
/// The cookie is encrypted and authenticated by the web tier (data protection) and is HttpOnly, SameSite=Lax
/// (the first request arrives from a mail client, another site) and, with TLS, Secure with the <c>__Host-</c>
/// prefix (no Domain, Path=/). It holds the link token, the step-up grant once the recipient passed a code (sent
/// as <c>Sigill-Step-Up</c> on every later call; the API lets it lapse after 30 minutes), and after signing the
/// signing receipt that downloads the signed PDF, and for the last signer who pays, the path of the payer's page
/// (<c>/p/{token}</c>), and the page's language for the confirmation — never document content.
/// </summary>
internal sealed partial record RecipientSession(string Token, string Region, string? Outcome = null, string? Receipt = null, string? Title = null, bool Completed = false,
    string? Grant = null, string? PaymentLink = null, string? EmbedOrigin = null, string? DocumentId = null, string? RecipientId = null, string? Language = null)
{
    public const string Signed = "signed";
    public const string Declined = "declined";
    private static readonly SealedCookie<RecipientSession> Cookie = new("sigill-recipient", "Sigill.Web.RecipientSession.v1");

    public static string CookieName(WebTierOptions options) => Cookie.Name(options);

    /// <summary>
    /// The embedded page (<c>/e</c>) keeps the session in a hidden form field instead of a cookie (a framed page's cookies
    /// are third-party cookies, which browsers block): sealed under its own purpose, so a cookie value does not open as an
    /// embedded session nor the reverse, and only for <see cref="EmbedLifetime"/>.
    /// </summary>
    private const string EmbedPurpose = "Sigill.Web.RecipientSession.embed-session.v1";

    public static readonly TimeSpan EmbedLifetime = TimeSpan.FromHours(8);

    public string SealForEmbed(IDataProtectionProvider protection) =>
        protection.CreateProtector(EmbedPurpose).ToTimeLimitedDataProtector().Protect(System.Text.Json.JsonSerializer.Serialize(this), EmbedLifetime);

    /// <summary>The embedded session in a posted field: well-formed, sealed by this web tier for an embedded page, not lapsed, bound to an origin.</summary>
    public static RecipientSession? OpenEmbedded(string? value, IDataProtectionProvider protection)
    {
        if (value is not { Length: > 0 and <= 4000 }) return null;
        try
        {
            var session = System.Text.Json.JsonSerializer.Deserialize<RecipientSession>(protection.CreateProtector(EmbedPurpose).ToTimeLimitedDataProtector().Unprotect(value));
            return session is { EmbedOrigin: not null } && TryParseToken(session.Token, out var region) && region == session.Region ? session : null;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Text.Json.JsonException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Reads the region of a well-formed link token (<c>sgr_{region}_{52 base32}</c>); anything else is not a token.</summary>
    public static bool TryParseToken(string? token, out string region)
    {
        var match = token is null ? Match.Empty : LinkToken().Match(token);
        region = match.Success ? match.Groups[1].Value : "";
        return match.Success;
    }

    /// <summary>The session in the cookie, when its token is well-formed and names the region it claims.</summary>
    public static RecipientSession? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) =>
        Cookie.Read(context, protection, options) is { } session && TryParseToken(session.Token, out var region) && region == session.Region ? session : null;

    public void Write(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) => Cookie.Write(context, protection, options, this);

    public static void Clear(HttpContext context, WebTierOptions options) => Cookie.Clear(context, options);

    [GeneratedRegex("^sgr_([a-z][a-z0-9-]{1,15})_[0-9a-z]{52}$")]
    private static partial Regex LinkToken();
}
