using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;

namespace Sigill.Tests.Languages;

/// <summary>
/// How the web tier's pages pick their language (docs/translations.md): the language select's cookie, else the
/// browser's first supported language, else English; a cookie Sigill cannot read falls back safely; every word a page
/// asks SenderText for exists.
/// </summary>
public sealed partial class SenderLanguageTests : IAsyncLifetime
{
    private SigillApp _app = null!;

    public async Task InitializeAsync() => _app = await SigillApp.StartAsync();

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Every_key_the_pages_ask_SenderText_for_is_in_the_English_set()
    {
        var pages = Path.Combine(Repository.Root, "src", "Sigill.Web", "Pages");
        var used = Directory.EnumerateFiles(pages, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => UsedKey().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value)))
            .ToList();
        Assert.True(used.Count > 100, $"only {used.Count} uses of SenderText found");
        var missing = used.Where(u => Sigill.Web.Pages.SenderText.Resources.GetString(u.Key, CultureInfo.InvariantCulture) is null).ToList();
        Assert.True(missing.Count == 0, "missing in SenderText.resx: " + string.Join(", ", missing.Select(m => $"{m.Key} ({m.File})")));
        foreach (var status in Sigill.Web.Pages.Documents.IndexModel.Statuses)
        {
            Assert.NotNull(Sigill.Web.Pages.SenderText.Resources.GetString("Status." + status, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void The_activity_list_says_in_English_exactly_what_the_API_and_the_certificate_say_and_translates_it()
    {
        var english = Sigill.Web.Pages.SenderText.Resources.GetResourceSet(CultureInfo.InvariantCulture, true, true)!
            .Cast<System.Collections.DictionaryEntry>().Where(e => ((string)e.Key).StartsWith("Activity.", StringComparison.Ordinal)).ToList();
        Assert.True(english.Count >= 30, $"only {english.Count} activity entries");
        foreach (var entry in english)
        {
            var action = ((string)entry.Key)["Activity.".Length..];
            Assert.Equal(Sigill.Contracts.DocumentActivity.Describe(action), (string)entry.Value!);
        }
        using (new CultureScope("sv"))
        {
            Assert.Equal("Skrev under", Sigill.Web.Pages.Documents.Labels.Activity("document.signed", "Signed"));
            Assert.Equal("Something new", Sigill.Web.Pages.Documents.Labels.Activity("document.something_new", "Something new"));
        }
    }

    /// <summary>The page's language for a test of words (the thread's UI culture), restored after.</summary>
    private sealed class CultureScope : IDisposable
    {
        private readonly CultureInfo _before = CultureInfo.CurrentUICulture;

        public CultureScope(string language) => CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(language);

        public void Dispose() => CultureInfo.CurrentUICulture = _before;
    }

    [Theory]
    [InlineData(null, "en", "Sign in")]
    [InlineData("sv-SE,sv;q=0.9,en;q=0.8", "sv", "Logga in")]
    [InlineData("pt-BR, de-AT;q=0.8, fr;q=0.5", "de", "Anmelden")]
    [InlineData("fr-CA", "fr", "Se connecter")]
    [InlineData("es", "es", "Iniciar sesión")]
    [InlineData("ja, zh;q=0.5", "en", "Sign in")]
    public async Task Without_a_choice_the_page_speaks_the_browsers_first_supported_language_else_English(string? acceptLanguage, string lang, string heading)
    {
        using var web = _app.Web();
        if (acceptLanguage is not null) web.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        var page = await web.GetStringAsync("/sign-in");
        Assert.Contains($"<html lang=\"{lang}\">", page, StringComparison.Ordinal);
        Assert.Equal(heading, WebUtility.HtmlDecode(Heading().Match(page).Groups[1].Value));
    }

    [Theory]
    [InlineData("fr", "fr", "Se connecter")]
    [InlineData("xx", "sv", "Logga in")]
    [InlineData("sv-SE", "sv", "Logga in")] // only the codes the select writes
    [InlineData("%3Cscript%3E", "sv", "Logga in")]
    [InlineData("", "sv", "Logga in")]
    public async Task The_chosen_language_beats_the_browsers_and_a_cookie_Sigill_cannot_read_falls_back_to_the_browsers(string cookie, string lang, string heading)
    {
        using var web = _app.Web();
        web.DefaultRequestHeaders.Add("Accept-Language", "sv-SE");
        web.DefaultRequestHeaders.Add("Cookie", "sigill-lang=" + cookie);
        using var response = await web.GetAsync("/sign-in");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadAsStringAsync();
        Assert.Contains($"<html lang=\"{lang}\">", page, StringComparison.Ordinal);
        Assert.Equal(heading, WebUtility.HtmlDecode(Heading().Match(page).Groups[1].Value));
    }

    [Fact]
    public async Task The_language_select_keeps_the_choice_for_a_year_and_goes_back_only_to_a_page_of_this_site()
    {
        using var web = _app.Web();
        var signIn = await web.GetStringAsync("/sign-in");
        Assert.Contains("id=\"language-select\"", signIn, StringComparison.Ordinal);
        using var picked = await web.PostAsync("/language", IdentityKit.Form(signIn, ("lang", "de"), ("next", "/sign-in?next=%2Fdocuments")));
        Assert.Equal(HttpStatusCode.Redirect, picked.StatusCode);
        Assert.Equal("/sign-in?next=%2Fdocuments", picked.Headers.Location?.OriginalString);
        var cookie = Assert.Single(picked.Headers.GetValues("Set-Cookie"), c => c.StartsWith("sigill-lang=", StringComparison.Ordinal));
        Assert.StartsWith("sigill-lang=de;", cookie, StringComparison.Ordinal);
        Assert.Contains("max-age=31536000", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/", cookie, StringComparison.OrdinalIgnoreCase);
        var german = await web.GetStringAsync("/sign-in");
        Assert.Contains("<html lang=\"de\">", german, StringComparison.Ordinal);
        Assert.Contains("<option value=\"de\" lang=\"de\" selected=\"selected\">Deutsch</option>", german, StringComparison.Ordinal);

        // Another site is never the way back; a language Sigill does not speak forgets the choice.
        foreach (var next in new[] { "//evil.example/", "https://evil.example/", "/\\evil.example" })
        {
            using var away = await web.PostAsync("/language", IdentityKit.Form(german, ("lang", "sv"), ("next", next)));
            Assert.Equal("/", away.Headers.Location?.OriginalString);
        }
        using var unknown = await web.PostAsync("/language", IdentityKit.Form(german, ("lang", "xx"), ("next", "/sign-in")));
        Assert.Equal(HttpStatusCode.Redirect, unknown.StatusCode);
        Assert.Contains("<html lang=\"en\">", await web.GetStringAsync("/sign-in"), StringComparison.Ordinal);

        // Without the antiforgery token the choice is refused.
        using var forged = await web.PostAsync("/language", new FormUrlEncodedContent([new("lang", "fr"), new("next", "/sign-in")]));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.False(forged.Headers.TryGetValues("Set-Cookie", out var set) && set.Any(c => c.StartsWith("sigill-lang=fr", StringComparison.Ordinal)));
    }

    /// <summary>A web client signed in through the sign-in page, asking for <paramref name="acceptLanguage"/>.</summary>
    private async Task<HttpClient> SignedInWebAsync(string email, string acceptLanguage)
    {
        var web = _app.Web();
        web.DefaultRequestHeaders.Add("Accept-Language", acceptLanguage);
        using var signedIn = await web.PostAsync("/sign-in", IdentityKit.Form(await web.GetStringAsync("/sign-in"), ("Email", email), ("Password", IdentityKit.Password)));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return web;
    }

    [Fact]
    public async Task The_organization_page_speaks_German_and_the_roles_and_numbers_its_forms_post_stay_codes_and_invariant()
    {
        var owner = await IdentityKit.SignUpAsync(_app, "greta.org@example.com", "eu", "Sprachhaus GmbH");
        using var api = _app.Web(owner.Session);
        using (var invited = await api.PostAsJsonAsync("/api/v1/invitations/", new { email = "leo.leser@example.com", role = "viewer" }))
        {
            Assert.True(invited.IsSuccessStatusCode, await invited.Content.ReadAsStringAsync());
        }
        using var web = await SignedInWebAsync("greta.org@example.com", "de-DE,de;q=0.9");

        var page = await web.GetStringAsync("/organization");
        Assert.Contains("<html lang=\"de\">", page, StringComparison.Ordinal);
        var text = WebUtility.HtmlDecode(page);
        Assert.Contains("<h1>Organisation</h1>", text, StringComparison.Ordinal);
        Assert.Contains(">Mitglieder</h2>", text, StringComparison.Ordinal);
        Assert.Contains(">Aufbewahrung</h2>", text, StringComparison.Ordinal);
        Assert.Contains(">Zugriff durch das Personal</h2>", text, StringComparison.Ordinal);
        // The role select shows words and posts the codes; the invitation reads in German, its date stays ISO.
        Assert.Contains("<option value=\"owner\">Inhaber</option>", text, StringComparison.Ordinal);
        Assert.Contains("<option value=\"viewer\">Leser</option>", text, StringComparison.Ordinal);
        Assert.Matches(@"leo\.leser@example\.com als Leser · offen · läuft ab am \d{4}-\d{2}-\d{2}", text);
        Assert.DoesNotContain("Single sign-on", text, StringComparison.Ordinal);

        // A box that is not a number is refused in German, naming the box; nothing is stored.
        using (var refused = await web.PostAsync("/organization?handler=Retention", IdentityKit.Form(page,
            ("draftDays", "45"), ("endedDays", "vierzig"), ("completedYears", ""), ("viewDetailsDays", ""))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            var body = WebUtility.HtmlDecode(await refused.Content.ReadAsStringAsync());
            Assert.Contains("Abgelehnte, stornierte und abgelaufene Dokumente: Geben Sie eine ganze Zahl ein", body, StringComparison.Ordinal);
        }
        // Numbers go to the API as typed, whatever the language: 45 days is 45 days.
        using (var saved = await web.PostAsync("/organization?handler=Retention", IdentityKit.Form(page,
            ("draftDays", "45"), ("endedDays", "60"), ("completedYears", "7"), ("viewDetailsDays", ""))))
        {
            Assert.Equal(HttpStatusCode.Redirect, saved.StatusCode);
            Assert.Equal("/organization?done=retention", saved.Headers.Location?.OriginalString);
        }
        using (var policy = JsonDocument.Parse(await api.GetStringAsync("/api/v1/privacy/retention")))
        {
            Assert.Equal(45, policy.RootElement.GetProperty("draftDays").GetInt32());
            Assert.Equal(60, policy.RootElement.GetProperty("endedDays").GetInt32());
            Assert.Equal(7, policy.RootElement.GetProperty("completedYears").GetInt32());
        }
        var after = WebUtility.HtmlDecode(await web.GetStringAsync("/organization?done=retention"));
        Assert.Contains("Aufbewahrungsregeln gespeichert; der tägliche Lauf wendet sie an.", after, StringComparison.Ordinal);
        Assert.Contains("id=\"retention-drafts\" name=\"draftDays\" type=\"number\" min=\"1\" max=\"3650\" inputmode=\"numeric\" value=\"45\"", after, StringComparison.Ordinal);

        // The access review and the privacy requests, in German too; the values their forms post stay codes.
        var review = await web.GetStringAsync("/organization/access-review");
        using (var started = await web.PostAsync("/organization/access-review?handler=Start", IdentityKit.Form(review)))
        {
            Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
        }
        review = WebUtility.HtmlDecode(await web.GetStringAsync("/organization/access-review?done=started"));
        Assert.Contains("<h1>Zugriffsprüfung</h1>", review, StringComparison.Ordinal);
        Assert.Contains("Prüfung begonnen", review, StringComparison.Ordinal);
        Assert.Contains(">Mitglieder (1)</h2>", review, StringComparison.Ordinal);
        Assert.Contains("value=\"keep\"", review, StringComparison.Ordinal);
        Assert.Contains("> Behalten</label>", review, StringComparison.Ordinal);

        var requests = await web.GetStringAsync("/organization/privacy-requests");
        using (var created = await web.PostAsync("/organization/privacy-requests?handler=Create", IdentityKit.Form(requests,
            ("email", "ida.fragt@example.com"), ("type", "erasure"), ("message", ""))))
        {
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        }
        requests = WebUtility.HtmlDecode(await web.GetStringAsync("/organization/privacy-requests?done=created"));
        Assert.Contains("<h1>Datenschutzanfragen</h1>", requests, StringComparison.Ordinal);
        Assert.Contains("Löschanfrage von ida.fragt@example.com", requests, StringComparison.Ordinal);
        Assert.Contains("Status: <strong>offen</strong>", requests, StringComparison.Ordinal);
        Assert.Contains("<option value=\"in_progress\">In Bearbeitung</option>", requests, StringComparison.Ordinal);
        Assert.Matches(@"Eingegangen am <time datetime=""\d{4}-\d{2}-\d{2}"">\d{4}-\d{2}-\d{2}</time>", requests);

        // In English the same pages read as they always did.
        using var english = await SignedInWebAsync("greta.org@example.com", "en");
        var englishPage = await english.GetStringAsync("/organization");
        Assert.Contains("<h1>Organization</h1>", englishPage, StringComparison.Ordinal);
        Assert.Contains("<option value=\"viewer\">viewer</option>", englishPage, StringComparison.Ordinal);
        Assert.Contains("Status: <strong>open</strong>", await english.GetStringAsync("/organization/privacy-requests"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_privacy_tools_and_the_account_page_speak_Swedish_and_ids_posted_by_their_forms_are_unchanged()
    {
        var owner = await IdentityKit.SignUpAsync(_app, "svea.org@example.com", "eu", "Språkhuset AB");
        using var api = _app.Web(owner.Session);
        var documentId = (await Sigill.Tests.Documents.DocumentKit.UploadOkAsync(api, "Hyresavtal", Sigill.Tests.Documents.DocumentKit.SamplePdf("Hyresavtal")))
            .GetProperty("id").GetString()!;
        await Sigill.Tests.Documents.DocumentKit.AddRecipientAsync(api, documentId, "Åsa Öberg", "asa@example.test");
        using var web = await SignedInWebAsync("svea.org@example.com", "sv-SE");

        var tools = await web.GetStringAsync("/organization/privacy");
        Assert.Contains("<html lang=\"sv\">", tools, StringComparison.Ordinal);
        Assert.Contains("<h1>En persons data</h1>", tools, StringComparison.Ordinal);
        using var found = await web.PostAsync("/organization/privacy?handler=Search", IdentityKit.Form(tools, ("by", "email"), ("query", "asa@example.test")));
        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var foundPage = WebUtility.HtmlDecode(await found.Content.ReadAsStringAsync());
        Assert.Contains("1 dokumentpost som mottagare och 0 medlemskap.", foundPage, StringComparison.Ordinal);
        Assert.Contains($"<span class=\"hint\">Utkast, {documentId}</span>", foundPage, StringComparison.Ordinal);
        Assert.Contains("<td>Undertecknare, Väntar</td>", foundPage, StringComparison.Ordinal);
        Assert.Contains($"data-document=\"{documentId}\"", foundPage, StringComparison.Ordinal);
        Assert.Contains("Exportera data för asa@example.test", foundPage, StringComparison.Ordinal);

        // A legal hold set from the Swedish page holds the very document id the form posted.
        using (var held = await web.PostAsync("/organization/privacy?handler=Hold", IdentityKit.Form(tools,
            ("scope", "document"), ("documentId", documentId), ("email", ""), ("reason", "Tvist om hyran"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, held.StatusCode);
        }
        var holds = WebUtility.HtmlDecode(await web.GetStringAsync("/organization/privacy?done=hold"));
        Assert.Contains("Bevarandebeslut satt", holds, StringComparison.Ordinal);
        Assert.Contains($"På dokument {documentId}: Tvist om hyran.", holds, StringComparison.Ordinal);
        using (var list = JsonDocument.Parse(await api.GetStringAsync("/api/v1/privacy/holds")))
        {
            var hold = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal("document", hold.GetProperty("scope").GetString());
            Assert.Equal(documentId, hold.GetProperty("documentId").GetString());
        }

        // The account page: the role and the way this session signed in, in words; in English the codes, as before.
        var account = WebUtility.HtmlDecode(await web.GetStringAsync("/account"));
        Assert.Contains("<dd id=\"account-role\">ägare</dd>", account, StringComparison.Ordinal);
        Assert.Contains("UTC</time> (lösenord)</td>", account, StringComparison.Ordinal);
        using var english = await SignedInWebAsync("svea.org@example.com", "en");
        var englishAccount = await english.GetStringAsync("/account");
        Assert.Contains("<dd id=\"account-role\">owner</dd>", englishAccount, StringComparison.Ordinal);
        Assert.Contains("UTC</time> (password)</td>", englishAccount, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_setup_page_speaks_the_browsers_language_and_posts_the_region_code()
    {
        var token = _app.IssueSetupToken();
        using var web = _app.Web();
        web.DefaultRequestHeaders.Add("Accept-Language", "sv");
        var form = await web.GetStringAsync($"/setup/{token}");
        Assert.Contains("<html lang=\"sv\">", form, StringComparison.Ordinal);
        Assert.Contains("<h1>Ställ in Sigill</h1>", WebUtility.HtmlDecode(form), StringComparison.Ordinal);
        Assert.Contains("<option value=\"eu\"", form, StringComparison.Ordinal);
        using var created = await web.PostAsync($"/setup/{token}", IdentityKit.Form(form, ("Name", "Sara Ägare"), ("Email", "sara.setup@example.com"),
            ("Password", IdentityKit.Password), ("OrganizationName", "Uppsättning AB"), ("Region", "eu"), ("AcceptDpa", "true")));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var done = WebUtility.HtmlDecode(await created.Content.ReadAsStringAsync());
        Assert.Contains("<h1>Din organisation är klar</h1>", done, StringComparison.Ordinal);
        Assert.Matches("Organisationen <strong>org_eu_[0-9a-z_]+</strong> skapades i regionen <strong>eu</strong>", done);
        Assert.Matches(@"Den går ut \d{4}-\d{2}-\d{2}\.", done);
    }

    [Fact]
    public void Bulk_send_row_problems_and_dispute_states_are_translated_by_their_English_words_and_English_stays_the_APIs()
    {
        const string Row = "email: not a single e-mail address; the row has 3 cells, the header 4; role_2: must be signer, approver or cc; pricing: something new";
        using (new CultureScope("en"))
        {
            Assert.Equal(Row, Sigill.Web.Pages.BulkProblems.Describe(Row));
            Assert.Equal("won: the money stays with you", Sigill.Web.Payments.PaymentText.Dispute("won"));
            Assert.Equal("owner", Sigill.Web.Pages.Documents.Labels.OrgRole("owner"));
            Assert.Equal("password+totp", Sigill.Web.Pages.Documents.Labels.SignInMethod("password+totp"));
        }
        using (new CultureScope("sv"))
        {
            Assert.Equal("email: inte en enda e-postadress; raden har 3 celler, rubrikraden 4; role_2: måste vara signer, approver eller cc; pricing: something new",
                Sigill.Web.Pages.BulkProblems.Describe(Row));
            Assert.Equal("samma adress som rad 2", Sigill.Web.Pages.BulkProblems.Describe(new Sigill.Contracts.CellError(null, "the same address as row 2")));
            Assert.Equal("language: en av en, sv, de, fr, es (gemener)", Sigill.Web.Pages.BulkProblems.Describe(new Sigill.Contracts.CellError("language", "one of en, sv, de, fr, es (lower case)")));
            Assert.Equal("öppnad, väntar på ditt svar i Stripe", Sigill.Web.Payments.PaymentText.Dispute("warning_needs_response"));
            Assert.Equal("charge refunded", Sigill.Web.Payments.PaymentText.Dispute("charge_refunded"));
            Assert.Equal("lösenord+autentiseringsapp", Sigill.Web.Pages.Documents.Labels.SignInMethod("password+totp"));
            Assert.Equal("läsare", Sigill.Web.Pages.Documents.Labels.OrgRole("viewer"));
            Assert.Equal("superuser", Sigill.Web.Pages.Documents.Labels.OrgRole("superuser"));
        }
        using (new CultureScope("de"))
        {
            Assert.Equal("verloren: das Geld ging an den Zahlenden zurück", Sigill.Web.Payments.PaymentText.Dispute("lost"));
            Assert.Equal("template: die Vorlage gibt es nicht mehr", Sigill.Web.Pages.BulkProblems.Describe("template: the template no longer exists"));
        }
    }

    [GeneratedRegex("<h1>(.*?)</h1>")]
    private static partial Regex Heading();

    [GeneratedRegex("""\b(?:S|H)\("([A-Za-z]+\.[A-Za-z0-9_.]+)"[,)]""")]
    private static partial Regex UsedKey();
}
