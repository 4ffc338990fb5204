using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Sigill.Web.Security;

namespace Sigill.Web.Accounts;

/// <summary>
/// A single sign-on in progress in this browser: the region and the OAuth state the API handed out, in a cookie the
/// web tier encrypts and authenticates (HttpOnly, SameSite=Lax so it comes back on the identity provider's redirect,
/// ten minutes, <c>__Host-</c> with TLS). The callback page accepts a state only when it equals this cookie's, which
/// stops login cross-site request forgery: a callback link made in someone else's browser does not carry its cookie,
/// so nobody can sign a victim in to the attacker's account.
/// </summary>
internal sealed record SsoPending(string Region, string State)
{
    private static readonly SealedCookie<SsoPending> Cookie = new("sigill-sso", "Sigill.Web.SsoPending.v1", TimeSpan.FromMinutes(10));

    public static string CookieName(WebTierOptions options) => Cookie.Name(options);

    public static SsoPending? Read(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) => Cookie.Read(context, protection, options);

    public bool Matches(string? state) =>
        state is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(State), Encoding.UTF8.GetBytes(state));

    public void Write(HttpContext context, IDataProtectionProvider protection, WebTierOptions options) => Cookie.Write(context, protection, options, this);

    public static void Clear(HttpContext context, WebTierOptions options) => Cookie.Clear(context, options);

    /// <summary>
    /// The directory hash of an e-mail domain, as <c>Sigill.Api.Features.Accounts.Directory.DomainHash</c> computes it (the web
    /// tier does not reference the API tier; a test compares the two).
    /// </summary>
    public static string DomainHash(string base64Key, string domain) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Convert.FromBase64String(base64Key),
            Encoding.UTF8.GetBytes("sigill.directory.domain.v1\n" + domain.Trim().TrimEnd('.').ToLowerInvariant())));
}
