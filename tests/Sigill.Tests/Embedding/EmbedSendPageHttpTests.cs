using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Embedding;

/// <summary>
/// The embedded sending page <c>/e/send/{token}</c> as raw HTTP: only the bound origin may frame it, no cookie holds the
/// session (a sealed form field does, under its own purpose: a signing page's sealed session does not open it), posts
/// count only from the web tier's own page, each is answered with the page (no redirect), and sending ends the session.
/// </summary>
public sealed partial class EmbedSendPageHttpTests
{
    [GeneratedRegex("frame-ancestors ([^;]+)")]
    private static partial Regex FrameAncestors();

    [GeneratedRegex("name=\"EmbedSendSession\" value=\"([^\"]+)\"")]
    private static partial Regex SessionField();

    [GeneratedRegex("data-recipient=\"([^\"]+)\"")]
    private static partial Regex RecipientId();

    private static string Ancestors(HttpResponseMessage response) =>
        FrameAncestors().Match(string.Join(";", response.Headers.GetValues("Content-Security-Policy"))).Groups[1].Value.Trim();

    private static HttpRequestMessage Post(string path, string? origin, params (string Name, string Value)[] fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields.Select(f => KeyValuePair.Create(f.Name, f.Value))) };
        if (origin is not null) request.Headers.Add("Origin", origin);
        return request;
    }

    private static string Sealed(string html) => WebUtility.HtmlDecode(SessionField().Match(html).Groups[1].Value);

    [Fact]
    public async Task Only_the_bound_origin_frames_the_page_posts_need_its_own_sealed_session_and_sending_ends_it()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await EmbedSendTests.OrgAsync(app, "Acme Embed Send Page", "eu", EmbedSendTests.AppOrigin, "https://other.example.com");
        using var owned = org.Token;
        var (memberId, _) = await EmbedSendTests.MemberAsync(app, "eu", org.OrganizationId, "member");
        var draft = await EmbedSendTests.DraftAsync(org.Token, "Framed draft");
        var self = $"{app.WebUrl.Scheme}://{app.WebUrl.Authority}";
        var token = await EmbedSendTests.IssueOkAsync(org.Token, draft, EmbedSendTests.AppOrigin, memberId);
        using var web = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };

        using var first = await web.GetAsync($"/e/send/{token}");
        var html = await first.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(EmbedSendTests.AppOrigin, Ancestors(first)); // the bound origin only, not the whole list
        Assert.Equal("same-origin", string.Join("", first.Headers.GetValues("Referrer-Policy")));
        Assert.False(first.Headers.Contains("Set-Cookie"));
        Assert.Contains("Framed draft", html, StringComparison.Ordinal);
        Assert.Contains("action=\"/e/send?handler=AddRecipient\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(token, html, StringComparison.Ordinal); // forms post to /e/send, never the URL's token
        Assert.Contains($"data-origin=\"{EmbedSendTests.AppOrigin}\"", html, StringComparison.Ordinal);
        var session = Sealed(html);
        Assert.NotEmpty(session);

        // Opens once; a reload is not framable.
        using (var again = await web.GetAsync($"/e/send/{token}"))
        {
            Assert.Equal(HttpStatusCode.Gone, again.StatusCode);
            Assert.Equal("'none'", Ancestors(again));
        }
        using (var malformed = await web.GetAsync("/e/send/sge_eu_nope")) Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);

        // Cross-site, missing or null Origin, a tampered or a signing page's sealed session: 403 before anything happens.
        var add = new[] { ("Name", "Rita Recipient"), ("Email", $"rita-{Guid.NewGuid():N}@example.test"), ("Role", "signer") };
        using (var crossSite = await web.SendAsync(Post("/e/send?handler=AddRecipient", EmbedSendTests.AppOrigin, [("EmbedSendSession", session), .. add])))
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using (var noOrigin = await web.SendAsync(Post("/e/send?handler=AddRecipient", null, [("EmbedSendSession", session), .. add])))
            Assert.Equal(HttpStatusCode.Forbidden, noOrigin.StatusCode);
        using (var nullOrigin = await web.SendAsync(Post("/e/send?handler=AddRecipient", "null", [("EmbedSendSession", session), .. add])))
            Assert.Equal(HttpStatusCode.Forbidden, nullOrigin.StatusCode);
        var tampered = session[..10] + (session[10] == 'A' ? 'B' : 'A') + session[11..];
        using (var forged = await web.SendAsync(Post("/e/send?handler=AddRecipient", self, [("EmbedSendSession", tampered), .. add])))
            Assert.Equal(HttpStatusCode.Forbidden, forged.StatusCode);
        Assert.Empty((await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("recipients").EnumerateArray());

        // From the page itself: a recipient, a field, then send — each answered by the page, never a redirect.
        using var added = await web.SendAsync(Post("/e/send?handler=AddRecipient", self, [("EmbedSendSession", session), .. add]));
        html = await added.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, added.StatusCode);
        Assert.Equal(EmbedSendTests.AppOrigin, Ancestors(added));
        Assert.False(added.Headers.Contains("Set-Cookie"));
        var recipient = RecipientId().Match(html).Groups[1].Value;
        session = Sealed(html);
        using var placed = await web.SendAsync(Post("/e/send?handler=AddField", self, ("EmbedSendSession", session), ("RecipientId", recipient), ("Kind", "signature"),
            ("Page", "1"), ("X", "72"), ("Y", "600")));
        html = await placed.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, placed.StatusCode);
        Assert.Contains("id=\"send-form\"", html, StringComparison.Ordinal);
        session = Sealed(html);
        using var send = await web.SendAsync(Post("/e/send?handler=Send", self, ("EmbedSendSession", session), ("ExpiresInDays", "7"), ("RemindEveryDays", "0")));
        html = await send.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, send.StatusCode);
        Assert.Contains("id=\"sent\"", html, StringComparison.Ordinal);
        Assert.Contains("data-event=\"sent\"", html, StringComparison.Ordinal);
        Assert.Equal(EmbedSendTests.AppOrigin, Ancestors(send));
        Assert.Equal("sent", (await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("status").GetString());

        // Sending ended the scoped session: the last sealed value no longer acts.
        using (var afterwards = await web.SendAsync(Post("/e/send?handler=AddRecipient", self, [("EmbedSendSession", session), .. add])))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, afterwards.StatusCode);
            Assert.Contains("data-event=\"error\"", await afterwards.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Every other page still forbids framing.
        using var documents = await web.GetAsync("/documents");
        Assert.Equal("'none'", Ancestors(documents));
        using var home = await web.GetAsync("/");
        Assert.Equal("'none'", Ancestors(home));
    }

    [Fact]
    public async Task The_page_module_draws_the_pdf_and_places_moves_and_removes_fields_by_posts_that_carry_the_sealed_session()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await EmbedSendTests.OrgAsync(app, "Acme Embed Send Module", "eu", EmbedSendTests.AppOrigin);
        using var owned = org.Token;
        var (memberId, _) = await EmbedSendTests.MemberAsync(app, "eu", org.OrganizationId, "member");
        var draft = await EmbedSendTests.DraftAsync(org.Token, "Module draft");
        var self = $"{app.WebUrl.Scheme}://{app.WebUrl.Authority}";
        var token = await EmbedSendTests.IssueOkAsync(org.Token, draft, EmbedSendTests.AppOrigin, memberId);
        using var web = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        // The page speaks the browser's language (framed, it gets no cookie of ours); the values it posts do not change.
        using var open = new HttpRequestMessage(HttpMethod.Get, $"/e/send/{token}");
        open.Headers.AcceptLanguage.ParseAdd("de-DE,de;q=0.9");
        var html = await (await web.SendAsync(open)).Content.ReadAsStringAsync();
        Assert.Contains("<html lang=\"de\">", html, StringComparison.Ordinal);
        Assert.Contains("Empfänger", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        Assert.Contains("<option value=\"signer\">", html, StringComparison.Ordinal);
        var session = Sealed(html);
        var add = Post("/e/send?handler=AddRecipient", self, ("EmbedSendSession", session), ("Name", "Mo Module"), ("Email", $"mo-{Guid.NewGuid():N}@example.test"), ("Role", "signer"));
        add.Headers.AcceptLanguage.ParseAdd("de");
        html = await (await web.SendAsync(add)).Content.ReadAsStringAsync();
        Assert.Contains("Wählen Sie, wer das Feld ausfüllt", WebUtility.HtmlDecode(html), StringComparison.Ordinal);
        var recipient = RecipientId().Match(html).Groups[1].Value;
        Assert.Contains("data-pdf=\"/e/send?handler=Pdf\" data-pdf-post=\"true\" data-post=\"/e/send\" data-editable=\"true\"", html, StringComparison.Ordinal);
        Assert.Contains("class=\"palette-item\" data-kind=\"dropdown\"", html, StringComparison.Ordinal);
        Assert.Contains("data-kind=\"dropdown\" data-w=\"180\" data-h=\"24\" data-settings=\"true\"", html, StringComparison.Ordinal); // dropped: the page is shown again, with its editor
        Assert.Contains("id=\"signers-without-fields\"", html, StringComparison.Ordinal);
        session = Sealed(html);

        static HttpRequestMessage Json(HttpRequestMessage request)
        {
            request.Headers.Accept.ParseAdd("application/json");
            return request;
        }

        // The PDF: a POST from the page's own origin with the sealed session; never a GET, never without them.
        using (var pdf = await web.SendAsync(Post("/e/send?handler=Pdf", self, ("EmbedSendSession", session))))
        {
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync())[..5], StringComparison.Ordinal);
            Assert.Equal("no-store", string.Join("", pdf.Headers.GetValues("Cache-Control")));
        }
        using (var crossSite = await web.SendAsync(Post("/e/send?handler=Pdf", EmbedSendTests.AppOrigin, ("EmbedSendSession", session))))
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using (var noSession = await web.SendAsync(Post("/e/send?handler=Pdf", self)))
            Assert.Equal(HttpStatusCode.Forbidden, noSession.StatusCode);
        using (var get = await web.GetAsync("/e/send?handler=Pdf"))
            Assert.NotEqual("application/pdf", get.Content.Headers.ContentType?.MediaType);

        // Placed by a drop: the field comes back as JSON, with a dropdown's starting options.
        using var placed = await web.SendAsync(Json(Post("/e/send?handler=AddField", self, ("EmbedSendSession", session), ("RecipientId", recipient), ("Kind", "dropdown"),
            ("Page", "1"), ("X", "100.5"), ("Y", "200"))));
        Assert.Equal(HttpStatusCode.OK, placed.StatusCode);
        var field = JsonDocument.Parse(await placed.Content.ReadAsStringAsync()).RootElement;
        var fieldId = field.GetProperty("id").GetString()!;
        Assert.Equal("dropdown", field.GetProperty("kind").GetString());
        Assert.Equal(2, field.GetProperty("settings").GetProperty("options").GetArrayLength());

        // The page shown again after such a drop (a post: the one-time URL cannot be opened again) has the field's
        // editors, whose forms post here with the sealed session.
        using (var again = await web.SendAsync(Post("/e/send?handler=Show", self, ("EmbedSendSession", session))))
        {
            html = await again.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
            Assert.Contains("action=\"/e/send?handler=FieldSettings\"", html, StringComparison.Ordinal);
            Assert.Contains("action=\"/e/send?handler=UpdateField\"", html, StringComparison.Ordinal);
            Assert.Contains($"id=\"options-{fieldId}\"", html, StringComparison.Ordinal);
            Assert.DoesNotContain("__RequestVerificationToken", html, StringComparison.Ordinal); // the sealed session proves the post, no cookie
            session = Sealed(html);
        }
        using (var crossSite = await web.SendAsync(Post("/e/send?handler=Show", EmbedSendTests.AppOrigin, ("EmbedSendSession", session))))
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        // Options, then the label and "must be filled", as on the signed-in page; the API's refusal shows on the page.
        using (var options = await web.SendAsync(Post("/e/send?handler=FieldSettings", self, ("EmbedSendSession", session), ("fieldId", fieldId), ("Options", "Red\n Green \n\nBlue"))))
        {
            Assert.Equal(HttpStatusCode.OK, options.StatusCode);
            Assert.Contains("Red\nGreen\nBlue</textarea>", WebUtility.HtmlDecode(await options.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        }
        using (var label = await web.SendAsync(Post("/e/send?handler=UpdateField", self, ("EmbedSendSession", session), ("fieldId", fieldId), ("label", " Colour "), ("required", "false"))))
            Assert.Equal(HttpStatusCode.OK, label.StatusCode);
        using (var none = await web.SendAsync(Post("/e/send?handler=FieldSettings", self, ("EmbedSendSession", session), ("fieldId", fieldId), ("Options", " \n "))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, none.StatusCode);
            Assert.Contains("role=\"alert\"", await none.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var crossSite = await web.SendAsync(Post("/e/send?handler=FieldSettings", EmbedSendTests.AppOrigin, ("EmbedSendSession", session), ("fieldId", fieldId), ("Options", "Evil"))))
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        using (var noSession = await web.SendAsync(Post("/e/send?handler=UpdateField", self, ("fieldId", fieldId), ("label", "Evil"), ("required", "true"))))
            Assert.Equal(HttpStatusCode.Forbidden, noSession.StatusCode);
        var edited = Assert.Single((await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("fields").EnumerateArray());
        Assert.Equal(["Red", "Green", "Blue"], edited.GetProperty("settings").GetProperty("options").EnumerateArray().Select(o => o.GetString()));
        Assert.Equal(("Colour", false), (edited.GetProperty("label").GetString(), edited.GetProperty("required").GetBoolean()));

        // Moved; a move off the page is refused with the API's words and changes nothing.
        using (var moved = await web.SendAsync(Json(Post("/e/send?handler=MoveField", self, ("EmbedSendSession", session), ("FieldId", fieldId), ("Page", "1"), ("X", "120"), ("Y", "300")))))
        {
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
            Assert.Equal(300, JsonDocument.Parse(await moved.Content.ReadAsStringAsync()).RootElement.GetProperty("y").GetDouble());
        }
        using (var offPage = await web.SendAsync(Json(Post("/e/send?handler=MoveField", self, ("EmbedSendSession", session), ("FieldId", fieldId), ("Page", "9"), ("X", "120"), ("Y", "300")))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, offPage.StatusCode);
            Assert.False(string.IsNullOrEmpty(JsonDocument.Parse(await offPage.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()));
        }
        using (var noKind = await web.SendAsync(Json(Post("/e/send?handler=AddField", self, ("EmbedSendSession", session), ("RecipientId", recipient), ("Kind", "bogus"), ("Page", "1"), ("X", "1"), ("Y", "1")))))
            Assert.Equal(HttpStatusCode.BadRequest, noKind.StatusCode);
        using (var crossSite = await web.SendAsync(Json(Post("/e/send?handler=MoveField", EmbedSendTests.AppOrigin, ("EmbedSendSession", session), ("FieldId", fieldId), ("Page", "1"), ("X", "0"), ("Y", "0")))))
            Assert.Equal(HttpStatusCode.Forbidden, crossSite.StatusCode);
        var stored = Assert.Single((await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("fields").EnumerateArray());
        Assert.Equal((1, 120.0, 300.0), (stored.GetProperty("page").GetInt32(), stored.GetProperty("x").GetDouble(), stored.GetProperty("y").GetDouble()));

        // Removed.
        using (var removed = await web.SendAsync(Json(Post("/e/send?handler=RemoveField", self, ("EmbedSendSession", session), ("FieldId", fieldId)))))
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Empty((await org.Token.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}")).GetProperty("fields").EnumerateArray());
    }

    [Fact]
    public void A_sealed_signing_session_never_opens_as_a_sending_session_nor_the_reverse()
    {
        var protection = new Microsoft.AspNetCore.DataProtection.EphemeralDataProtectionProvider();
        var signing = new Sigill.Web.Recipient.RecipientSession($"sgr_eu_{new string('a', 52)}", "eu", EmbedOrigin: EmbedSendTests.AppOrigin).SealForEmbed(protection);
        var sending = new Sigill.Web.Accounts.EmbedSendSession("sgs_eu_abc_def", "eu", EmbedSendTests.AppOrigin, "doc_eu_1").Seal(protection);
        Assert.NotNull(Sigill.Web.Recipient.RecipientSession.OpenEmbedded(signing, protection));
        Assert.NotNull(Sigill.Web.Accounts.EmbedSendSession.Open(sending, protection));
        Assert.Null(Sigill.Web.Accounts.EmbedSendSession.Open(signing, protection));
        Assert.Null(Sigill.Web.Recipient.RecipientSession.OpenEmbedded(sending, protection));
        Assert.Null(Sigill.Web.Accounts.EmbedSendSession.Open(new Sigill.Web.Accounts.EmbedSendSession("sgs_us_abc_def", "eu", EmbedSendTests.AppOrigin, "doc_eu_1").Seal(protection), protection));
    }
}
