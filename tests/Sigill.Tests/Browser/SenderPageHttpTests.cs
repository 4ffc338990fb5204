using System.Net;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The sender's pages read as raw HTTP: who gets in, what is refused, what is never cached, and that one
/// organization's document cannot be reached through another's session.
/// </summary>
public sealed partial class SenderPageHttpTests
{
    private static readonly string[] Pages = ["/documents", "/documents/new", "/templates", "/templates/new", "/documents/doc_eu_x", "/documents/doc_eu_x?handler=Pdf"];

    [Fact]
    public async Task Without_a_session_every_sender_page_sends_the_browser_to_sign_in()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        foreach (var path in Pages)
        {
            using var response = await web.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{path}: {response.StatusCode}");
            Assert.Equal("/sign-in?next=" + Uri.EscapeDataString(path), response.Headers.Location!.OriginalString); // and back here afterwards
        }
    }

    [Fact]
    public async Task A_session_reaches_only_its_own_organizations_documents_forms_need_antiforgery_and_nothing_is_cached()
    {
        await using var app = await SigillApp.StartAsync();
        var other = await app.SetUpOrganizationAsync("Other Pages", "eu");
        using var otherApi = app.Web(other.ApiToken);
        var foreign = (await UploadOkAsync(otherApi, "Foreign Plover-88", SamplePdf("foreign"))).GetProperty("id").GetString()!;

        using var web = app.Web();
        await SignUpAsync(app, web, "pia.pages@example.com", "eu");
        using var list = await web.GetAsync("/documents");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal("no-store", list.Headers.CacheControl?.ToString());
        Assert.Contains("'nonce-", list.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("Plover", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var path in new[] { $"/documents/{foreign}", $"/documents/{foreign}?handler=Pdf", $"/documents/{foreign}?handler=Sealed" })
        {
            using var response = await web.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.DoesNotContain("Plover", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Upload through the page, then: a post without the antiforgery token is refused and changes nothing.
        var newPage = await web.GetStringAsync("/documents/new");
        using var upload = new MultipartFormDataContent
        {
            { new StringContent(Antiforgery(newPage)), "__RequestVerificationToken" },
            { new StringContent("Lease Plover-89"), "Title" },
            { new ByteArrayContent(SamplePdf("mine")), "file", "mine.pdf" },
        };
        using var uploaded = await web.PostAsync("/documents/new?handler=Upload", upload);
        Assert.Equal(HttpStatusCode.Redirect, uploaded.StatusCode);
        var mine = uploaded.Headers.Location!.OriginalString;
        Assert.StartsWith("/documents/doc_eu_", mine, StringComparison.Ordinal);
        using var forged = await web.PostAsync($"{mine}?handler=AddRecipient", new FormUrlEncodedContent([new("Name", "Mallory"), new("Email", "m@example.test")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        var draft = await web.GetStringAsync(mine);
        using (var notSealed = await web.GetAsync($"{mine}?handler=Sealed")) // a draft has no sealed PDF: the API's reason, as the answer
        {
            Assert.Equal(HttpStatusCode.Conflict, notSealed.StatusCode);
            Assert.Contains("a sealed PDF exists once every signer has signed", await notSealed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        Assert.Contains("Lease Plover-89", draft, StringComparison.Ordinal);
        Assert.DoesNotContain("Mallory", draft, StringComparison.Ordinal);

        // A recipient the API refuses: its message on the page, and nothing stored.
        using var bad = await web.PostAsync($"{mine}?handler=AddRecipient", Form(draft, ("Name", "No Mail"), ("Email", "not an address")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("email must be a single e-mail address.", WebUtility.HtmlDecode(await bad.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.DoesNotContain("No Mail", await web.GetStringAsync(mine), StringComparison.Ordinal);

        // A field off the page, asked for as the browser module does (JSON): the API's reason, and no field.
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{mine}?handler=AddField")
        {
            Content = Form(draft, ("RecipientId", "rcp_eu_none"), ("Kind", "signature"), ("Page", "1"), ("X", "10"), ("Y", "10")),
        };
        request.Headers.Accept.ParseAdd("application/json");
        using var off = await web.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, off.StatusCode);
        Assert.Contains("recipientId must name a recipient", await off.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // With a signer, the palette offers the kinds that need no options; a dropdown (its options are set through the
        // API) is refused here.
        using (var signer = await web.PostAsync($"{mine}?handler=AddRecipient", Form(draft, ("Name", "Ada Palette"), ("Email", "ada.palette@example.test"), ("Role", "signer"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, signer.StatusCode);
        }
        draft = await web.GetStringAsync(mine);
        foreach (var kind in new[] { "signature", "initials", "text", "date", "checkbox", "number", "email", "name", "dropdown", "radio", "formula", "attachment" })
        {
            Assert.Contains($"data-kind=\"{kind}\"", draft, StringComparison.Ordinal);
        }
        Assert.Contains(">Full name</button>", draft, StringComparison.Ordinal);
        using var unknown = await web.PostAsync($"{mine}?handler=AddField", Form(draft, ("RecipientId", "rcp_eu_none"), ("Kind", "hologram"), ("Page", "1"), ("X", "10"), ("Y", "10")));
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("Choose a kind of field.", WebUtility.HtmlDecode(await unknown.Content.ReadAsStringAsync()), StringComparison.Ordinal);

        // A broken template is refused with the renderer's message and not saved.
        var templateForm = await web.GetStringAsync("/templates/new");
        using var broken = await web.PostAsync("/templates/new", Form(templateForm, ("Name", "Broken"), ("Variables", "client"), ("Body", "Hello {{ client }")));
        Assert.Equal(HttpStatusCode.BadRequest, broken.StatusCode);
        Assert.Contains("The template is not valid.", WebUtility.HtmlDecode(await broken.Content.ReadAsStringAsync()), StringComparison.Ordinal);
        Assert.DoesNotContain("Broken", await web.GetStringAsync("/templates"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_api_has_ended_the_session_a_kept_cookie_is_cleared_and_sign_in_asked_for()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        var cookie = await SignUpAsync(app, web, "quinn.pages@example.com", "us");
        Assert.Equal(HttpStatusCode.OK, (await web.GetAsync("/templates")).StatusCode);
        var account = await web.GetStringAsync("/account");
        Assert.Equal(HttpStatusCode.Redirect, (await web.PostAsync("/account?handler=SignOut", Form(account))).StatusCode);

        // A copy of the cookie from before: the web tier can still open it, but the API refuses the session inside.
        using var replay = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false, CheckCertificateRevocationList = true }) { BaseAddress = app.WebUrl };
        replay.DefaultRequestHeaders.Add("Cookie", $"sigill-session={cookie}");
        using var after = await replay.GetAsync("/templates");
        Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal("/sign-in?next=%2Ftemplates", after.Headers.Location!.OriginalString);
        Assert.Contains(after.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-session=;", StringComparison.Ordinal));
    }

    /// <summary>Signs up through the pages (and the e-mailed link); returns the session cookie's value.</summary>
    private static Task<string> SignUpAsync(SigillApp app, HttpClient web, string email, string region) =>
        Sigill.Tests.Identity.IdentityKit.SignUpThroughPagesAsync(app, web, email, region);

    private static string Antiforgery(string page) => AntiforgeryField().Match(page).Groups[1].Value;

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) =>
        new([new("__RequestVerificationToken", Antiforgery(page)), .. fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))]);

    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
