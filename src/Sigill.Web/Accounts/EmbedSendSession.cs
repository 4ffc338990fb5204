using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;

namespace Sigill.Web.Accounts;

/// <summary>
/// The embedded sending page's (<c>/e/send</c>) session: the API's document-scoped session secret (<c>sgs_{region}_…</c>),
/// the origin bound to the URL and the draft. It cannot be a cookie (a framed page's cookies are third-party cookies), so
/// it is sealed into a hidden form field (data protection, time-limited) under its OWN purpose: a sealed embedded signing
/// session (<c>Recipient.RecipientSession</c>) never opens as this, nor a cookie, nor the reverse.
/// </summary>
internal sealed partial record EmbedSendSession(string Session, string Region, string Origin, string DocumentId)
{
    public const string Field = "EmbedSendSession";

    private const string Purpose = "Sigill.Web.EmbedSendSession.v1";

    /// <summary>At most as long as the longest scoped session the API issues (Embedding:SendSessionLifetime ≤ 8 hours).</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);

    public string Seal(IDataProtectionProvider protection) =>
        protection.CreateProtector(Purpose).ToTimeLimitedDataProtector().Protect(System.Text.Json.JsonSerializer.Serialize(this), Lifetime);

    /// <summary>The session in a posted field: sealed by this web tier for the sending page, not lapsed, well-formed; else null.</summary>
    public static EmbedSendSession? Open(string? value, IDataProtectionProvider protection)
    {
        if (value is not { Length: > 0 and <= 4000 }) return null;
        try
        {
            var s = System.Text.Json.JsonSerializer.Deserialize<EmbedSendSession>(protection.CreateProtector(Purpose).ToTimeLimitedDataProtector().Unprotect(value));
            return s is not null && SessionSecret().Match(s.Session) is { Success: true } m && m.Groups[1].Value == s.Region ? s : null;
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or System.Text.Json.JsonException or FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex("^sgs_([a-z][a-z0-9-]{1,15})_[A-Za-z0-9_-]+$")]
    private static partial Regex SessionSecret();
}
