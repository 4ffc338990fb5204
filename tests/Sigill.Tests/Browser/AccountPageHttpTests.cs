using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Browser;

/// <summary>The web tier's sign-up, sign-in and account pages read as raw HTTP: cookie flags, generic errors, sign-out.</summary>
public sealed partial class AccountPageHttpTests
{
    private const string Password = "a sturdy passphrase 42";

    [Fact]
    public async Task Sign_up_holds_the_session_in_an_http_only_cookie_the_browser_cannot_read_and_sign_out_ends_it_at_the_api()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        var form = await web.GetStringAsync("/sign-up");
        Assert.Contains("This choice is permanent", form, StringComparison.Ordinal);
        using var forged = await web.PostAsync("/sign-up", new FormUrlEncodedContent([new("Email", "x@example.com")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode); // no antiforgery token

        using (var signUp = await web.PostAsync("/sign-up", Form(form, ("Name", "Ola Web"), ("Email", "ola.web@example.com"), ("Password", Password),
            ("OrganizationName", "Ola Web AB"), ("Region", "eu"))))
        {
            Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
            Assert.Contains("Check your e-mail", await signUp.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.False(signUp.Headers.TryGetValues("Set-Cookie", out var none) && none.Any(c => c.StartsWith("sigill-session=", StringComparison.Ordinal)));
        }
        // Opening the e-mailed link spends nothing (mail scanners fetch links); its button creates the account.
        var link = Sigill.Tests.Identity.IdentityKit.SignUpLinkFor(app, "ola.web@example.com", "eu");
        var confirm = await web.GetStringAsync($"/sign-up/{link}");
        Assert.Contains("id=\"sign-up-verify-form\"", confirm, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync($"/sign-up/{link}")).StatusCode);
        using var signUpDone = await web.PostAsync($"/sign-up/{link}", Form(confirm));
        Assert.Equal(HttpStatusCode.Redirect, signUpDone.StatusCode);
        Assert.Equal("/account", signUpDone.Headers.Location!.OriginalString);
        var cookie = Assert.Single(signUpDone.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sgs_", cookie, StringComparison.Ordinal); // the API's secret is sealed inside

        using var account = await web.GetAsync("/account");
        var html = await account.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, account.StatusCode);
        Assert.Contains("ola.web@example.com", html, StringComparison.Ordinal);
        Assert.Contains("Ola Web AB", html, StringComparison.Ordinal);
        Assert.DoesNotContain("sgs_", html, StringComparison.Ordinal);
        var sealedCookie = SessionCookie().Match(cookie).Groups[1].Value;

        using var signOut = await web.PostAsync("/account?handler=SignOut", Form(html));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Contains(signOut.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-session=;", StringComparison.Ordinal) && c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase));
        using var after = await web.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);

        // A copy of the cookie kept from before sign-out is worthless: the API ended the session.
        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        replay.DefaultRequestHeaders.Add("Cookie", $"sigill-session={sealedCookie}");
        using var replayed = await replay.GetAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
        Assert.Equal("/sign-in?next=%2Faccount", replayed.Headers.Location!.OriginalString);

        // Signing up again with the same address (here naming another region) reads exactly like a new address; the
        // owner hears of it by e-mail from the region that holds the account, and the other region stores nothing.
        var again = await web.GetStringAsync("/sign-up");
        using var twice = await web.PostAsync("/sign-up", Form(again, ("Name", "Ola"), ("Email", "OLA.web@example.com"), ("Password", Password),
            ("OrganizationName", "Other AB"), ("Region", "us")));
        Assert.Equal(HttpStatusCode.OK, twice.StatusCode);
        Assert.Contains("Check your e-mail", await twice.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(Sigill.Tests.Identity.IdentityKit.Mails(app, "eu"), m => m.Contains("Someone tried to sign up", StringComparison.Ordinal) && m.Contains("OLA.web@example.com", StringComparison.Ordinal));
        Assert.Empty(Sigill.Tests.Identity.IdentityKit.Mails(app, "us"));
    }

    [Fact]
    public async Task Sign_in_finds_the_region_and_unknown_address_and_wrong_password_read_the_same_and_the_throttle_shows_the_wait()
    {
        await using var app = await SigillApp.StartAsync();
        await Sigill.Tests.Identity.IdentityKit.SignUpAsync(app, "per@example.com", "eu", "Per AB");

        using var web = app.Web();
        var form = await web.GetStringAsync("/sign-in");
        using var unknown = await web.PostAsync("/sign-in", Form(form, ("Email", "nobody@example.com"), ("Password", Password)));
        using var wrong = await web.PostAsync("/sign-in", Form(form, ("Email", "per@example.com"), ("Password", "not the password at all")));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(ErrorText(await unknown.Content.ReadAsStringAsync()), ErrorText(await wrong.Content.ReadAsStringAsync()));
        Assert.Equal("The e-mail address or the password is not correct.", ErrorText(await wrong.Content.ReadAsStringAsync()));
        Assert.False(wrong.Headers.Contains("Set-Cookie") && wrong.Headers.GetValues("Set-Cookie").Any(c => c.StartsWith("sigill-session=", StringComparison.Ordinal)));

        using var ok = await web.PostAsync("/sign-in", Form(form, ("Email", " Per@Example.com "), ("Password", Password)));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Contains("Per AB", await web.GetStringAsync("/account"), StringComparison.Ordinal);

        // After a few failures from one place the next attempt must wait; the page says how long. The wait grows with
        // each failure (1 s, 2 s, 4 s, …), so on a loaded machine, where a refused attempt itself can take a second or
        // two, the first 429 may come an attempt or two later than on an idle one; it must come all the same.
        using var other = app.Web();
        var otherForm = await other.GetStringAsync("/sign-in");
        HttpResponseMessage? last = null;
        for (var i = 0; i < 10 && last?.StatusCode != HttpStatusCode.TooManyRequests; i++)
        {
            last?.Dispose();
            last = await other.PostAsync("/sign-in", Form(otherForm, ("Email", "per@example.com"), ("Password", "still not the password")));
            Assert.True(i >= 3 || last.StatusCode == HttpStatusCode.Unauthorized, $"attempt {i + 1} of the free three: {(int)last.StatusCode}");
        }
        Assert.Equal(HttpStatusCode.TooManyRequests, last!.StatusCode);
        Assert.Matches("Please wait [0-9]+ (minutes|seconds) before trying again", ErrorText(await last.Content.ReadAsStringAsync()));
        last.Dispose();
    }

    [Fact]
    public async Task With_an_authenticator_app_sign_in_asks_for_the_code_and_a_wrong_code_is_told()
    {
        await using var app = await SigillApp.StartAsync();
        var account = await Sigill.Tests.Identity.IdentityKit.SignUpAsync(app, "mo.totp@example.com", "us");
        using var direct = app.Web(account.Session);
        var enrolment = await (await direct.PostAsync("/api/v1/account/totp", null)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var secret = Sigill.Tests.Identity.SecondFactorTests.Base32Decode(enrolment.GetProperty("secret").GetString()!);
        var step = Sigill.Api.Features.Accounts.Totp.StepAt(DateTimeOffset.UtcNow);
        (await direct.PostAsJsonAsync("/api/v1/account/totp/confirm", new { code = Sigill.Api.Features.Accounts.Totp.Code(secret, step - 1) })).EnsureSuccessStatusCode();

        using var web = app.Web();
        var form = await web.GetStringAsync("/sign-in");
        using var password = await web.PostAsync("/sign-in", Form(form, ("Email", "mo.totp@example.com"), ("Password", Password)));
        Assert.Equal(HttpStatusCode.Redirect, password.StatusCode);
        Assert.Equal("/sign-in", password.Headers.Location!.OriginalString);
        var codeForm = await web.GetStringAsync("/sign-in");
        Assert.Contains("id=\"second-factor-form\"", codeForm, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await web.GetAsync("/account")).StatusCode); // not signed in yet

        var right = Sigill.Api.Features.Accounts.Totp.Code(secret, step);
        using var wrong = await web.PostAsync("/sign-in?handler=SecondFactor", Form(codeForm, ("Code", right == "000000" ? "111111" : "000000")));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.StartsWith("The code is not correct.", ErrorText(await wrong.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        using var ok = await web.PostAsync("/sign-in?handler=SecondFactor", Form(codeForm, ("Code", right)));
        Assert.Equal(HttpStatusCode.Redirect, ok.StatusCode);
        Assert.Equal("/account", ok.Headers.Location!.OriginalString);
        Assert.Contains("mo.totp@example.com", await web.GetStringAsync("/account"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_tls_the_session_cookie_is_host_prefixed_and_secure()
    {
        await using var app = await SigillApp.StartAsync("""{ "Web": { "Tls": true } }""");
        using var web = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        using var get = await web.GetAsync("/sign-up");
        var form = await get.Content.ReadAsStringAsync();
        var af = Assert.Single(get.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-sigill-af=", StringComparison.Ordinal)).Split(';')[0];
        using var request = new HttpRequestMessage(HttpMethod.Post, "/sign-up")
        {
            Content = Form(form, ("Name", "Tia Tls"), ("Email", "tia@example.com"), ("Password", Password), ("OrganizationName", "Tia AB"), ("Region", "us")),
        };
        request.Headers.Add("Cookie", af);
        using (var signUp = await web.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
        }
        var link = Sigill.Tests.Identity.IdentityKit.SignUpLinkFor(app, "tia@example.com", "us");
        using var confirm = new HttpRequestMessage(HttpMethod.Get, $"/sign-up/{link}");
        confirm.Headers.Add("Cookie", af);
        using var confirmPage = await web.SendAsync(confirm);
        using var create = new HttpRequestMessage(HttpMethod.Post, $"/sign-up/{link}") { Content = Form(await confirmPage.Content.ReadAsStringAsync()) };
        create.Headers.Add("Cookie", af);
        using var created = await web.SendAsync(create);
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var cookie = Assert.Single(created.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-sigill-session=", StringComparison.Ordinal));
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
    }

    private static string ErrorText(string html) => WebUtility.HtmlDecode(ErrorParagraph().Match(html).Groups[1].Value);

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", AntiforgeryField().Match(page).Groups[1].Value), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<p class=\"error\" role=\"alert\" id=\"error\">([^<]*)</p>")]
    private static partial Regex ErrorParagraph();

    [GeneratedRegex("sigill-session=([^;]+)")]
    private static partial Regex SessionCookie();
}
