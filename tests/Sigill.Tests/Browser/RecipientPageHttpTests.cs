using System.Net;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>The recipient page's headers, cookie and forms, read as raw HTTP (what a browser is told to enforce).</summary>
public sealed partial class RecipientPageHttpTests
{
    [Fact]
    public async Task The_link_token_becomes_an_http_only_cookie_and_pages_carry_a_strict_policy_and_no_caching()
    {
        await using var app = await SigillApp.StartAsync();
        var link = await SentDocumentLinkAsync(app);
        using var web = app.Web();

        using var first = await web.GetAsync($"/s/{link}");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        Assert.Equal("/s", first.Headers.Location!.OriginalString);
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-recipient=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(link, cookie, StringComparison.Ordinal); // encrypted, not the token itself

        using var page = await web.GetAsync("/s");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Lease Osprey-31", html, StringComparison.Ordinal);
        Assert.DoesNotContain(link, html, StringComparison.Ordinal);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-eval", csp, StringComparison.Ordinal);
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());
        Assert.Equal("no-referrer", string.Join("", page.Headers.GetValues("Referrer-Policy")));
        Assert.False(page.Headers.Contains("Strict-Transport-Security")); // plain http in development: no HSTS

        // Forms carry an antiforgery token; a post without it changes nothing.
        Assert.Matches("name=\"__RequestVerificationToken\"", html);
        using var forged = await web.PostAsync("/s?handler=Consent", new FormUrlEncodedContent([]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var consentPage = await web.GetStringAsync("/s");
        Assert.Contains("id=\"consent\"", consentPage, StringComparison.Ordinal);

        // Without JavaScript the forms still work: consent, then a decline without a reason is refused with a message.
        using var consent = await web.PostAsync("/s?handler=Consent", Form(consentPage));
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        var signPage = await web.GetStringAsync("/s");
        Assert.Contains("id=\"sign-form\"", signPage, StringComparison.Ordinal);
        using var noReason = await web.PostAsync("/s?handler=Decline", Form(signPage, ("Reason", "  ")));
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Contains("role=\"alert\"", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var pdf = await web.GetAsync("/s/document.pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        Assert.Equal("no-store", pdf.Headers.CacheControl!.ToString());
    }

    [Fact]
    public async Task Malformed_links_and_tampered_cookies_show_nothing()
    {
        await using var app = await SigillApp.StartAsync();
        var link = await SentDocumentLinkAsync(app);
        using var web = app.Web();

        using var malformed = await web.GetAsync("/s/sgr_eu_not-a-token");
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.False(malformed.Headers.Contains("Set-Cookie"));

        // A well-formed token that was never issued: a cookie, then the same "not active" page as a used link.
        using var unknown = await web.GetAsync($"/s/{link[..^4]}aaaa");
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        using var inactive = await web.GetAsync("/s");
        Assert.Equal(HttpStatusCode.NotFound, inactive.StatusCode);
        Assert.Contains("id=\"inactive\"", await inactive.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // The real link's cookie with one character changed is no session at all.
        using var real = await app.Web().GetAsync($"/s/{link}");
        var value = CookieValue().Match(string.Join("\n", real.Headers.GetValues("Set-Cookie"))).Groups[1].Value;
        var tampered = value[..10] + (value[10] == 'A' ? 'B' : 'A') + value[11..];
        using var client = new HttpClient { BaseAddress = app.WebUrl };
        client.DefaultRequestHeaders.Add("Cookie", $"sigill-recipient={tampered}");
        using var withTampered = await client.GetAsync("/s");
        Assert.Equal(HttpStatusCode.NotFound, withTampered.StatusCode);
        using var pdf = await client.GetAsync("/s/document.pdf");
        Assert.Equal(HttpStatusCode.NotFound, pdf.StatusCode);
        using var signed = await client.GetAsync("/s/signed.pdf");
        Assert.Equal(HttpStatusCode.NotFound, signed.StatusCode);
    }

    [Fact]
    public async Task With_tls_the_cookies_are_host_prefixed_and_secure_and_hsts_lasts_a_year()
    {
        await using var app = await SigillApp.StartAsync("""{ "Web": { "Tls": true } }""");
        var link = await SentDocumentLinkAsync(app);
        using var web = app.Web();
        using var first = await web.GetAsync($"/s/{link}");
        var cookie = Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("__Host-sigill-recipient=", cookie, StringComparison.Ordinal);
        Assert.Contains("secure", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("domain=", cookie, StringComparison.OrdinalIgnoreCase);
        var hsts = string.Join("", first.Headers.GetValues("Strict-Transport-Security"));
        var maxAge = long.Parse(Regex.Match(hsts, "max-age=([0-9]+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(maxAge >= 31_536_000, hsts);

        using var client = new HttpClient { BaseAddress = app.WebUrl };
        client.DefaultRequestHeaders.Add("Cookie", cookie.Split(';')[0]);
        using var page = await client.GetAsync("/s");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains(page.Headers.GetValues("Set-Cookie"), c => c.StartsWith("__Host-sigill-af=", StringComparison.Ordinal) && c.Contains("secure", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task An_emailed_code_is_sent_on_request_resends_wait_and_five_wrong_codes_lock_with_the_wait_shown()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Otp Web", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Deed Plover-88", SamplePdf("Deed text"))).GetProperty("id").GetString()!;
        var r = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", new { name = "Fi Otp", email = "fi@example.test", stepUp = "email_code" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, id, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        using var web = app.Web();
        await web.GetAsync($"/s/{LinkFor(app.DataDirectory, "eu", "fi@example.test")}");

        var verify = await web.GetStringAsync("/s");
        Assert.Contains("id=\"send-code\"", verify, StringComparison.Ordinal);
        Assert.DoesNotContain("Plover", verify, StringComparison.Ordinal);
        using var forged = await web.PostAsync("/s?handler=SendCode", new FormUrlEncodedContent([])); // no antiforgery token: no mail
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Null(LatestCode(app, "fi@example.test"));

        using var sent = await web.PostAsync("/s?handler=SendCode", Form(verify));
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Contains("id=\"code-sent\"", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var code = LatestCode(app, "fi@example.test")!;
        using var again = await web.PostAsync("/s?handler=SendCode", Form(verify));
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Matches("Please wait [0-9]+ seconds before trying again", await again.Content.ReadAsStringAsync());

        for (var i = 1; i <= 5; i++)
        {
            using var wrong = await web.PostAsync("/s?handler=Verify", Form(verify, ("Code", code == "000000" ? "111111" : "000000")));
            var html = await wrong.Content.ReadAsStringAsync();
            Assert.Contains("role=\"alert\"", html, StringComparison.Ordinal);
            if (i < 5)
            {
                Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
                Assert.Contains($"{5 - i} attempt(s) left", html, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, wrong.StatusCode);
                Assert.Contains("Please wait 15 minutes before trying again", html, StringComparison.Ordinal);
            }
        }
        // Locked: even the right code does not pass, and nothing of the document shows.
        using var locked = await web.PostAsync("/s?handler=Verify", Form(verify, ("Code", code)));
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        var after = await web.GetStringAsync("/s");
        Assert.Contains("id=\"verify\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Plover", after, StringComparison.Ordinal);
        using var consent = await web.PostAsync("/s?handler=Consent", Form(after));
        Assert.Equal(HttpStatusCode.Forbidden, consent.StatusCode);
        Assert.Contains("id=\"verify\"", await consent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_emailed_code_passes_and_the_grant_rides_in_the_encrypted_cookie()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Otp Pass", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Deed Tern-19", SamplePdf("Deed text"))).GetProperty("id").GetString()!;
        var r = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", new { name = "Gu Otp", email = "gu@example.test", stepUp = "email_code" })).GetProperty("id").GetString()!;
        await AddFieldAsync(sender, id, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        using var web = app.Web();
        await web.GetAsync($"/s/{LinkFor(app.DataDirectory, "eu", "gu@example.test")}");
        var verify = await web.GetStringAsync("/s");
        using var sent = await web.PostAsync("/s?handler=SendCode", Form(verify));
        using var pass = await web.PostAsync("/s?handler=Verify", Form(verify, ("Code", LatestCode(app, "gu@example.test")!)));
        Assert.Equal(HttpStatusCode.Redirect, pass.StatusCode);
        var cookie = Assert.Single(pass.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-recipient=", StringComparison.Ordinal));
        Assert.DoesNotContain("sgs_", cookie, StringComparison.Ordinal); // the grant is inside the encrypted cookie, not readable

        var consentPage = await web.GetStringAsync("/s");
        Assert.Contains("Deed Tern-19", consentPage, StringComparison.Ordinal);
        using var consent = await web.PostAsync("/s?handler=Consent", Form(consentPage));
        Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        using var pdf = await web.GetAsync("/s/document.pdf");
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);

        // The same link in a browser without the grant sees the code step again, and the PDF is refused.
        using var other = app.Web();
        await other.GetAsync($"/s/{LinkFor(app.DataDirectory, "eu", "gu@example.test")}");
        Assert.Contains("id=\"verify\"", await other.GetStringAsync("/s"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/s/document.pdf")).StatusCode);
    }

    private static string? LatestCode(SigillApp app, string email)
    {
        var folder = Path.Combine(app.DataDirectory, "eu", "outbox");
        var mail = Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Select(File.ReadAllText)
            .LastOrDefault(t => t.Contains(email, StringComparison.Ordinal) && CodePattern().IsMatch(t));
        return mail is null ? null : CodePattern().Match(mail).Groups[1].Value;
    }

    [GeneratedRegex(@"verification code is (\d{6})")]
    private static partial Regex CodePattern();

    private static async Task<string> SentDocumentLinkAsync(SigillApp app)
    {
        var org = await app.SetUpOrganizationAsync("Acme Http", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Lease Osprey-31", SamplePdf("Lease text"))).GetProperty("id").GetString()!;
        var r = await AddRecipientAsync(sender, id, "Di Http", "di@example.test");
        await AddFieldAsync(sender, id, r, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });
        return LinkFor(app.DataDirectory, "eu", "di@example.test");
    }

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", AntiforgeryField().Match(page).Groups[1].Value), .. fields.Select(f => KeyValuePair.Create(f.Name, f.Value))]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("sigill-recipient=([^;]+)")]
    private static partial Regex CookieValue();
}
