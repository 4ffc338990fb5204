using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.EntityFrameworkCore;
using Sigill.Api.Features.Accounts;
using Sigill.Api.Features.Audit;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Identity;

/// <summary>
/// Getting back into an account and finishing setting it up: the e-mailed password reset (the same answer for every
/// address, a link that works once for 30 minutes and ends every session), landing on the page asked for after
/// signing in (and never on another site), and an authenticator key that survives a mistyped code.
/// </summary>
public abstract partial class AccountRecoveryTests(Backend backend) : IAsyncLifetime
{
    private const string NewPassword = "a brand new passphrase 77";
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync(backend);

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_reset_answers_every_address_alike_and_its_link_sets_a_new_password_once_and_ends_every_session()
    {
        var account = await SignUpAsync(_app, "forgetful@example.com");
        using var other = await SignInAsync(_app, "forgetful@example.com", Password);
        var otherSession = (await JsonAsync(other)).GetProperty("session").GetString()!;
        var before = Mails(_app).Count;

        using var web = _app.Web();
        using var known = await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = "Forgetful@Example.com" });
        using var unknown = await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = "nobody@example.com" });
        Assert.Equal(HttpStatusCode.Accepted, known.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, unknown.StatusCode);
        Assert.Equal(await unknown.Content.ReadAsStringAsync(), await known.Content.ReadAsStringAsync());
        var mail = Assert.Single(Mails(_app).Skip(before));
        Assert.Contains("Forgetful@Example.com", mail, StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/html", mail, StringComparison.Ordinal); // HTML with its plain-text alternative
        Assert.Contains("works once, for 30 minutes", mail, StringComparison.Ordinal);
        var link = ResetLinkFor("Forgetful@Example.com");

        // A refused password does not spend the link.
        using (var weak = await CompleteAsync(link, "short"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, weak.StatusCode);
        }
        using (var done = await CompleteAsync(link, NewPassword))
        {
            Assert.Equal(HttpStatusCode.NoContent, done.StatusCode);
        }
        using (var again = await CompleteAsync(link, "yet another passphrase 99"))
        {
            Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
            Assert.Equal("password_reset_link_invalid", Code(await JsonAsync(again)));
        }
        foreach (var session in new[] { account.Session, otherSession })
        {
            using var ended = await As(_app, session).GetAsync("/api/v1/account");
            Assert.Equal(HttpStatusCode.Unauthorized, ended.StatusCode);
        }
        using (var old = await SignInAsync(_app, "forgetful@example.com", Password))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        }
        using (var fresh = await SignInAsync(_app, "forgetful@example.com", NewPassword))
        {
            Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        }
        Assert.Contains("Your Sigill password was changed", Mails(_app).Last(), StringComparison.Ordinal);
        await using var db = _app.Cells.Get("us").CreateDbContext();
        Assert.Equal(0, await db.Set<PasswordReset>().CountAsync());
        Assert.Equal(1, await db.Set<AuditEvent>().CountAsync(e => e.Action == "user.password_reset"));
    }

    [Fact]
    public async Task An_expired_a_tampered_or_another_regions_reset_link_changes_nothing()
    {
        await SignUpAsync(_app, "careful@example.com");
        using var web = _app.Web();
        (await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = "careful@example.com" })).Dispose();
        var link = ResetLinkFor("careful@example.com");
        var tampered = link[..^1] + (link[^1] == 'a' ? 'b' : 'a');
        using (var wrong = await CompleteAsync(tampered, NewPassword))
        {
            Assert.Equal("password_reset_link_invalid", Code(await JsonAsync(wrong)));
        }
        using (var elsewhere = await web.PostAsJsonAsync("/api/v1/regions/eu/auth/password-reset/complete", new { token = link, password = NewPassword }))
        {
            Assert.Equal("password_reset_link_invalid", Code(await JsonAsync(elsewhere)));
        }
        await using (var db = _app.Cells.Get("us").CreateDbContext())
        {
            await db.Set<PasswordReset>().ExecuteUpdateAsync(u => u.SetProperty(r => r.ExpiresAt, DateTime.UtcNow.AddSeconds(-1)));
        }
        using (var expired = await CompleteAsync(link, NewPassword))
        {
            Assert.Equal("password_reset_link_invalid", Code(await JsonAsync(expired)));
        }
        using var still = await SignInAsync(_app, "careful@example.com", Password);
        Assert.Equal(HttpStatusCode.OK, still.StatusCode);
    }

    [Fact]
    public async Task Asking_for_resets_again_and_again_sends_at_most_three_emails_and_still_answers_the_same()
    {
        await SignUpAsync(_app, "bombed@example.com");
        var before = Mails(_app).Count;
        using var web = _app.Web();
        string? first = null;
        for (var i = 0; i < 6; i++)
        {
            using var response = await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = "bombed@example.com" });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync();
            Assert.Equal(first ??= body, body);
        }
        Assert.Equal(3, Mails(_app).Count - before);
        using var bad = await web.PostAsJsonAsync("/api/v1/regions/us/auth/password-reset", new { email = "not an address" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Through_the_pages_a_forgotten_password_is_reset_and_sign_in_lands_on_the_page_asked_for()
    {
        using var browser = _app.Web();
        await SignUpThroughPagesAsync(_app, browser, "pages.reset@example.com", "eu");
        using var stranger = _app.Web();
        var signIn = await stranger.GetStringAsync("/sign-in");
        Assert.Contains("href=\"/forgot-password\"", signIn, StringComparison.Ordinal);

        var forgot = await stranger.GetStringAsync("/forgot-password");
        using (var sent = await stranger.PostAsync("/forgot-password", Form(forgot, ("Email", "pages.reset@example.com"))))
        {
            Assert.Contains("a link to choose a new password is on its way", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var nobody = await stranger.PostAsync("/forgot-password", Form(forgot, ("Email", "nobody.here@example.com"))))
        {
            Assert.Equal(HttpStatusCode.OK, nobody.StatusCode);
            Assert.Contains("a link to choose a new password is on its way", await nobody.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        var link = ResetLinkFor("pages.reset@example.com", "eu");
        var reset = await stranger.GetStringAsync($"/reset-password/{link}");
        using (var done = await stranger.PostAsync($"/reset-password/{link}", Form(reset, ("Password", NewPassword))))
        {
            Assert.Contains("Your password is changed", await done.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        // The browser that was signed in is signed out: its next page is the sign-in page, which comes back to it.
        using (var documents = await browser.GetAsync("/documents?status=sent"))
        {
            Assert.Equal(HttpStatusCode.Redirect, documents.StatusCode);
            Assert.Equal("/sign-in?next=%2Fdocuments%3Fstatus%3Dsent", documents.Headers.Location!.OriginalString);
        }
        var form = await browser.GetStringAsync("/sign-in?next=%2Fdocuments%3Fstatus%3Dsent");
        using (var landed = await browser.PostAsync("/sign-in", Form(form, ("Email", "pages.reset@example.com"), ("Password", NewPassword), ("Next", "/documents?status=sent"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
            Assert.Equal("/documents?status=sent", landed.Headers.Location!.OriginalString);
        }
    }

    [Theory]
    [InlineData("//evil.example/phish")]
    [InlineData("/\\evil.example/phish")]
    [InlineData("https://evil.example/phish")]
    [InlineData("/sign-in")]
    [InlineData("javascript:alert(1)")]
    public async Task After_sign_in_a_next_page_that_is_not_a_path_of_this_site_is_ignored(string next)
    {
        await SignUpAsync(_app, "wary@example.com");
        using var browser = _app.Web();
        var form = await browser.GetStringAsync("/sign-in?next=" + Uri.EscapeDataString(next));
        Assert.DoesNotContain("evil.example", form, StringComparison.Ordinal);
        using var landed = await browser.PostAsync("/sign-in", Form(form, ("Email", "wary@example.com"), ("Password", Password), ("Next", next)));
        Assert.Equal(HttpStatusCode.Redirect, landed.StatusCode);
        Assert.Equal("/account", landed.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_mistyped_code_keeps_the_authenticator_key_being_set_up_until_five_tries_have_failed()
    {
        var account = await SignUpAsync(_app, "slow.thumbs@example.com");
        using var client = As(_app, account.Session);
        using (var none = await client.GetAsync("/api/v1/account/totp"))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
        var started = await (await client.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<JsonElement>();
        var secret = started.GetProperty("secret").GetString()!;
        var wrong = "000000" == Totp.Code(SecondFactorTests.Base32Decode(secret), Totp.StepAt(DateTimeOffset.UtcNow)) ? "111111" : "000000";
        for (var i = 1; i < 5; i++)
        {
            using var bad = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = wrong });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains($"{5 - i} tries left", (await JsonAsync(bad)).GetProperty("detail").GetString(), StringComparison.Ordinal);
            var pending = await client.GetFromJsonAsync<JsonElement>("/api/v1/account/totp");
            Assert.Equal(secret, pending.GetProperty("secret").GetString()); // the key the person scanned still works
            Assert.Equal(5 - i, pending.GetProperty("triesLeft").GetInt32());
        }
        using (var fifth = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = wrong }))
        {
            Assert.Equal(HttpStatusCode.Conflict, fifth.StatusCode);
            Assert.Equal("second_factor_not_pending", Code(await JsonAsync(fifth)));
        }
        using (var gone = await client.GetAsync("/api/v1/account/totp"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        using var right = await client.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Totp.Code(SecondFactorTests.Base32Decode(secret), Totp.StepAt(DateTimeOffset.UtcNow)) });
        Assert.Equal(HttpStatusCode.Conflict, right.StatusCode); // a dropped key never turns on
    }

    [Fact]
    public async Task The_account_page_shows_the_key_as_a_qr_code_keeps_it_after_a_wrong_code_and_offers_the_recovery_codes_to_download()
    {
        using var browser = _app.Web();
        await SignUpThroughPagesAsync(_app, browser, "qr.person@example.com", "us");
        var account = await browser.GetStringAsync("/account");
        using var started = await browser.PostAsync("/account?handler=StartTotp", Form(account));
        var page = await started.Content.ReadAsStringAsync();
        Assert.Contains("<svg", page, StringComparison.Ordinal);
        var secret = SecretShown().Match(page).Groups[1].Value;
        Assert.Equal(32, secret.Length);

        using var wrong = await browser.PostAsync("/account?handler=ConfirmTotp", Form(page, ("code", "12345")));
        var again = await wrong.Content.ReadAsStringAsync();
        Assert.Contains("does not match", again, StringComparison.Ordinal);
        Assert.Equal(secret, SecretShown().Match(again).Groups[1].Value);
        Assert.Contains("<svg", again, StringComparison.Ordinal);

        var code = Totp.Code(SecondFactorTests.Base32Decode(secret), Totp.StepAt(DateTimeOffset.UtcNow));
        using var on = await browser.PostAsync("/account?handler=ConfirmTotp", Form(again, ("code", code)));
        var done = await on.Content.ReadAsStringAsync();
        Assert.Contains("The authenticator app is on", done, StringComparison.Ordinal);
        var download = Uri.UnescapeDataString(WebUtility.HtmlDecode(DownloadHref().Match(done).Groups[1].Value));
        Assert.Equal(10, RecoveryCode().Matches(download).Count);
        Assert.Contains("data-copy=", done, StringComparison.Ordinal);
    }

    private async Task<HttpResponseMessage> CompleteAsync(string link, string password)
    {
        using var web = _app.Web();
        return await web.PostAsJsonAsync($"/api/v1/regions/{link.Split('_')[1]}/auth/password-reset/complete", new { token = link, password });
    }

    private string ResetLinkFor(string email, string region = "us") =>
        ResetLink().Match(Mails(_app, region).Last(t => t.Contains(email, StringComparison.Ordinal) && ResetLink().IsMatch(t))).Groups[1].Value;

    [GeneratedRegex("/reset-password/(sgp_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex ResetLink();

    [GeneratedRegex("id=\"totp-secret\">([A-Z2-7]+)<")]
    private static partial Regex SecretShown();

    [GeneratedRegex("id=\"recovery-download\"[^>]*href=\"([^\"]+)\"")]
    private static partial Regex DownloadHref();

    [GeneratedRegex("[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}")]
    private static partial Regex RecoveryCode();

    /// <summary>The tests above on SQLite.</summary>
    public sealed class OnSqlite() : AccountRecoveryTests(Backend.Sqlite);

    /// <summary>The tests above on PostgreSQL + S3.</summary>
    public sealed class OnPostgresS3() : AccountRecoveryTests(Backend.PostgresS3);
}
