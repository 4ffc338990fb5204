using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Sigill.Tests.Infrastructure;
using Sigill.Web.Security;

namespace Sigill.Tests.Browser;

/// <summary>The web tier's cookies are sealed under the installation's cookie key: they survive a restart, and nothing else opens them.</summary>
public sealed partial class CookieProtectionTests
{
    [Fact]
    public void A_sealed_value_opens_only_with_the_same_key_and_purpose_and_not_after_any_change()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var secret = Encoding.UTF8.GetBytes("sgs_eu_session-secret");
        var sealedValue = new CookieProtection(key).CreateProtector("Sigill.Web.AccountSession.v1").Protect(secret);
        Assert.DoesNotContain("session-secret", Encoding.UTF8.GetString(sealedValue), StringComparison.Ordinal);

        // Another process with the same key (a restart, another web node) opens it.
        Assert.Equal(secret, new CookieProtection(key).CreateProtector("Sigill.Web.AccountSession.v1").Unprotect(sealedValue));
        // Sealing twice gives different bytes (a fresh nonce each time).
        Assert.NotEqual(sealedValue, new CookieProtection(key).CreateProtector("Sigill.Web.AccountSession.v1").Protect(secret));

        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(RandomNumberGenerator.GetBytes(32)).CreateProtector("Sigill.Web.AccountSession.v1").Unprotect(sealedValue));
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(key).CreateProtector("Sigill.Web.RecipientSession.v1").Unprotect(sealedValue));
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(key).CreateProtector("Sigill.Web").CreateProtector("AccountSession.v1").Unprotect(sealedValue));
        for (var i = 0; i < sealedValue.Length; i++)
        {
            var tampered = (byte[])sealedValue.Clone();
            tampered[i] ^= 0x01;
            Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(key).CreateProtector("Sigill.Web.AccountSession.v1").Unprotect(tampered));
        }
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(key).CreateProtector("Sigill.Web.AccountSession.v1").Unprotect(sealedValue[..20]));
    }

    [Fact]
    public async Task A_person_stays_signed_in_when_the_installation_restarts()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        var form = await web.GetStringAsync("/sign-up");
        using var signUp = await web.PostAsync("/sign-up", new FormUrlEncodedContent(
        [
            new("__RequestVerificationToken", AntiforgeryField().Match(form).Groups[1].Value), new("Name", "Rea Restart"), new("Email", "rea.restart@example.com"),
            new("Password", "a sturdy passphrase 42"), new("OrganizationName", "Restart AB"), new("Region", "eu"),
        ]));
        var cookie = SessionCookie().Match(signUp.Headers.GetValues("Set-Cookie").First(c => c.StartsWith("sigill-session=", StringComparison.Ordinal))).Groups[1].Value;

        await app.RestartAsync();
        using var after = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        after.DefaultRequestHeaders.Add("Cookie", $"sigill-session={cookie}");
        using var account = await after.GetAsync("/account");
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Contains("rea.restart@example.com", await account.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "secrets", "web-cookie-key")));
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("sigill-session=([^;]+)")]
    private static partial Regex SessionCookie();
}
