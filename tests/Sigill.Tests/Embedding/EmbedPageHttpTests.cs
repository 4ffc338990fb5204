using System.Net;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Embedding;

/// <summary>
/// The embedded signing page <c>/e/{token}</c> as raw HTTP: only the bound origin may frame it (every other page keeps
/// <c>frame-ancestors 'none'</c>), no cookie holds the session (a sealed form field does), and a post counts only from the
/// web tier's own page with that sealed field.
/// </summary>
public sealed partial class EmbedPageHttpTests
{
    [GeneratedRegex("frame-ancestors ([^;]+)")]
    private static partial Regex FrameAncestors();

    [GeneratedRegex("name=\"EmbedSession\" value=\"([^\"]+)\"")]
    private static partial Regex SessionField();

    private static string Ancestors(HttpResponseMessage response) =>
        FrameAncestors().Match(string.Join(";", response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value.Trim();

    private static HttpRequestMessage Post(string path, string? origin, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    [Fact]
    public async Task Only_the_bound_origin_may_frame_the_page_and_posts_need_the_sealed_session_from_the_page_itself()
    {
        await using var app = await SigillApp.StartAsync();
        var sent = await EmbedUrlTests.SentAsync(app, "Acme Embed Page", "eu", EmbedUrlTests.AppOrigin, "https://other.example.com");
        using var owned = sent.Sender;
        var self = $"{app.WebUrl.Scheme}://{app.WebUrl.Authority}";
        var token = await EmbedUrlTests.IssueOkAsync(sent, EmbedUrlTests.AppOrigin);
        using var web = new HttpClient { BaseAddress = app.WebUrl };

        using var first = await web.GetAsync($"/e/{token}");
        var html = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(EmbedUrlTests.AppOrigin, Ancestors(first)); // exactly the bound origin, not the organization's whole list
        Assert.Equal("same-origin", string.Join("", first.Headers.GetValues("Referrer-Policy")));
        Assert.False(first.Headers.Contains("Set-Cookie")); // nothing a framed page could not keep
        Assert.Contains("id=\"consent\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("__RequestVerificationToken", html, StringComparison.Ordinal);
        Assert.Contains($"data-origin=\"{EmbedUrlTests.AppOrigin}\"", html, StringComparison.Ordinal);
        Assert.Contains("action=\"/e?handler=Consent\"", html, StringComparison.Ordinal);
        var session = WebUtility.HtmlDecode(SessionField().Match(html).Groups[1].Value);
        Assert.NotEmpty(session);

        // The URL opens once: a reload is the "not active" page that nobody may frame.
        using (var again = await web.GetAsync($"/e/{token}"))
        {
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
            Assert.Equal("'none'", Ancestors(again));
        }
        using (var malformed = await web.GetAsync("/e/sge_eu_nope")) Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);

        // Posts from another site (or with no Origin) are refused before anything happens.
        using (var crossSite = await web.SendAsync(Post("/e?handler=Consent", EmbedUrlTests.AppOrigin, ("EmbedSession", session)))) Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using (var noOrigin = await web.SendAsync(Post("/e?handler=Consent", null, ("EmbedSession", session)))) Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        using (var nullOrigin = await web.SendAsync(Post("/e?handler=Consent", "null", ("EmbedSession", session)))) Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
        // A tampered session is no session: the "not active" page, not framable.
        var tampered = session[..10] + (session[10] == 'A' ? 'B' : 'A') + session[11..];
        using (var forged = await web.SendAsync(Post("/e?handler=Consent", self, ("EmbedSession", tampered))))
        {
            Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
            Assert.Equal("'none'", Ancestors(forged));
        }

        // From the page itself: consent, then the document and the signature, each answered by the page (no redirect).
        using var consent = await web.SendAsync(Post("/e?handler=Consent", self, ("EmbedSession", session)));
        var signPage = await consent.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, consent.StatusCode);
        Assert.Equal(EmbedUrlTests.AppOrigin, Ancestors(consent));
        Assert.Contains("id=\"sign-form\"", signPage, StringComparison.Ordinal);
        Assert.Contains("data-pdf=\"/e/document.pdf\"", signPage, StringComparison.Ordinal);
        session = WebUtility.HtmlDecode(SessionField().Match(signPage).Groups[1].Value);

        using (var pdf = await web.SendAsync(Post("/e/document.pdf", self, ("EmbedSession", session))))
        {
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType!.MediaType);
        }
        using (var pdfCrossSite = await web.SendAsync(Post("/e/document.pdf", EmbedUrlTests.AppOrigin, ("EmbedSession", session)))) Assert.Equal(HttpStatusCode.NotFound, pdfCrossSite.StatusCode);

        using var sign = await web.SendAsync(Post("/e?handler=Sign", self, ("EmbedSession", session), ("SignatureMode", "type"), ("TypedName", "Erin Embedded")));
        var signed = await sign.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, sign.StatusCode);
        Assert.Contains("id=\"signed\"", signed, StringComparison.Ordinal);
        Assert.Contains("data-event=\"signed\"", signed, StringComparison.Ordinal);
        Assert.Equal(EmbedUrlTests.AppOrigin, Ancestors(sign));
        session = WebUtility.HtmlDecode(SessionField().Match(signed).Groups[1].Value);
        using (var sealedPdf = await web.SendAsync(Post("/e/signed.pdf", self, ("EmbedSession", session))))
        {
            Assert.Equal(HttpStatusCode.OK, sealedPdf.StatusCode);
            Assert.Equal("application/pdf", sealedPdf.Content.Headers.ContentType!.MediaType);
        }

        // Every other page still forbids framing, /s included.
        using var recipientPage = await web.GetAsync("/s");
        Assert.Equal("'none'", Ancestors(recipientPage));
        Assert.Equal("no-referrer", string.Join("", recipientPage.Headers.GetValues("Referrer-Policy")));
        using var home = await web.GetAsync("/");
        Assert.Equal("'none'", Ancestors(home));
    }
}
