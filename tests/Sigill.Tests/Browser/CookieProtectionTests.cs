using System.Net;
using System.Security.Cryptography;
using System.Text;
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
    public void After_rotation_new_values_are_sealed_under_the_new_key_and_old_ones_open_until_their_key_is_dropped()
    {
        byte[] old = RandomNumberGenerator.GetBytes(32), current = RandomNumberGenerator.GetBytes(32), secret = Encoding.UTF8.GetBytes("sgs_eu_session");
        const string purpose = "Sigill.Web.AccountSession.v1";
        var before = new CookieProtection(old).CreateProtector(purpose).Protect(secret);
        var rotated = new CookieProtection(current, [old]).CreateProtector(purpose);

        Assert.Equal(secret, rotated.Unprotect(before));
        var after = rotated.Protect(secret);
        Assert.Equal(secret, new CookieProtection(current).CreateProtector(purpose).Unprotect(after)); // sealed under the new key
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(old).CreateProtector(purpose).Unprotect(after));
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(current).CreateProtector(purpose).Unprotect(before)); // old key dropped
        Assert.ThrowsAny<CryptographicException>(() => new CookieProtection(current, [old]).CreateProtector("Sigill.Web.RecipientSession.v1").Unprotect(before));
        var tampered = (byte[])before.Clone();
        tampered[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => rotated.Unprotect(tampered));
    }

    [Theory]
    [InlineData("", "not-base64!", "must each be base64")]
    [InlineData("", "c2hvcnQ=", "must each be base64")]
    [InlineData("none", "", "needs a current Web:CookieKey")]
    public void Previous_cookie_keys_that_are_not_keys_or_have_no_current_key_are_refused_at_start(string current, string previous, string problem)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new Sigill.Web.WebTierOptions
        {
            ApiBaseUrl = "http://127.0.0.1:1",
            ServiceCredential = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            DirectoryKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            CookieKey = current == "none" ? "" : key,
            PreviousCookieKeys = [previous.Length > 0 ? previous : key],
        };
        Assert.Contains(options.Validate(), p => p.Contains(problem, StringComparison.Ordinal));
        options.CookieKey = key;
        options.PreviousCookieKeys = [Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))];
        Assert.DoesNotContain(options.Validate(), p => p.Contains("CookieKey", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_person_stays_signed_in_across_a_cookie_key_rotation_and_is_signed_out_when_the_old_key_is_dropped()
    {
        await using var app = await SigillApp.StartAsync("{}");
        var cookie = await SignUpAsync(app, "rota.rotation@example.com");
        var old = (await File.ReadAllTextAsync(Path.Combine(app.DataDirectory, "secrets", "web-cookie-key"))).Trim();
        var current = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

        await File.WriteAllTextAsync(app.ConfigFile!, $$$"""{"Web":{"CookieKey":"{{{current}}}","PreviousCookieKeys":["{{{old}}}"]}}""");
        await app.RestartAsync();
        using (var account = await GetWithCookieAsync(app, "/account", cookie))
        {
            Assert.Equal(HttpStatusCode.OK, account.StatusCode);
            Assert.Contains("rota.rotation@example.com", await account.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await File.WriteAllTextAsync(app.ConfigFile!, $$$"""{"Web":{"CookieKey":"{{{current}}}"}}""");
        await app.RestartAsync();
        using var signedOut = await GetWithCookieAsync(app, "/account", cookie);
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Contains("/sign-in", signedOut.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private static async Task<string> SignUpAsync(SigillApp app, string email)
    {
        using var web = app.Web();
        return await Sigill.Tests.Identity.IdentityKit.SignUpThroughPagesAsync(app, web, email, "eu", "Rea Restart", "Restart AB");
    }

    private static async Task<HttpResponseMessage> GetWithCookieAsync(SigillApp app, string path, string cookie)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        client.DefaultRequestHeaders.Add("Cookie", $"sigill-session={cookie}");
        return await client.GetAsync(path);
    }

    [Fact]
    public async Task A_person_stays_signed_in_when_the_installation_restarts()
    {
        await using var app = await SigillApp.StartAsync();
        var cookie = await SignUpAsync(app, "rea.restart@example.com");

        await app.RestartAsync();
        using var account = await GetWithCookieAsync(app, "/account", cookie);
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Contains("rea.restart@example.com", await account.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(app.DataDirectory, "secrets", "web-cookie-key")));
    }
}
