using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Resources;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Api.Features.Documents;
using Sigill.Api.Platform.Mail;
using Sigill.Pdf;
using Sigill.Pdf.Rendering;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Languages;

/// <summary>
/// Sigill in five languages (docs/translations.md): every resource set complete in each, the recipient's language (else
/// the organization's default) in their e-mails, the organization's in the certificate of completion, and evidence that
/// stays the same in every language.
/// </summary>
public sealed partial class LanguageTests(SharedApps apps) : IClassFixture<SharedApps>
{
    /// <summary>Every resource set Sigill renders text from: a new one is added here (and to docs/translations.md).</summary>
    public static TheoryData<string> ResourceSets => new(Sets.Keys);

    private static readonly Dictionary<string, ResourceManager> Sets = new(StringComparer.Ordinal)
    {
        ["recipient e-mails"] = DocumentMail.Resources,
        ["e-mail layout"] = MailWords.Layout,
        ["certificate of completion"] = CertificateWords.Resources,
        ["public pages"] = Sigill.Web.Pages.PublicText.Resources,
        ["recipient signing page"] = Sigill.Web.Recipient.RecipientWords.Resources,
        ["problem details"] = Sigill.Api.Platform.Errors.Problems.Text,
        ["sender e-mails"] = DocumentMail.SenderResources,
        ["account e-mails"] = Sigill.Api.Features.Accounts.Accounts.MailResources,
        ["command line (sigill)"] = Sigill.Cli.CliWords.Resources,
        ["sender pages, sign-in pages, payer page"] = Sigill.Web.Pages.SenderText.Resources,
        ["organization, data-subject and operator e-mails"] = MailWords.Notices,
    };

    [Theory]
    [MemberData(nameof(ResourceSets))]
    public void Every_key_of_a_resource_set_is_in_every_language_with_the_same_placeholders(string set)
    {
        var resources = Sets[set];
        var english = Entries(resources, CultureInfo.InvariantCulture);
        Assert.NotEmpty(english);
        foreach (var language in Contracts.Languages.Supported.Where(l => l != Contracts.Languages.English))
        {
            // Only the language's own file (tryParents: false): a key missing there would silently show English.
            var translated = Entries(resources, CultureInfo.GetCultureInfo(language));
            Assert.True(english.Keys.Order(StringComparer.Ordinal).SequenceEqual(translated.Keys.Order(StringComparer.Ordinal)),
                $"{set} in {language}: missing {string.Join(", ", english.Keys.Except(translated.Keys))}; extra {string.Join(", ", translated.Keys.Except(english.Keys))}");
            foreach (var (key, text) in english)
            {
                Assert.True(Placeholders(text).SequenceEqual(Placeholders(translated[key])), $"{set} in {language}: {key} has placeholders {string.Join(" ", Placeholders(translated[key]))}, English {string.Join(" ", Placeholders(text))}");
                Assert.False(string.IsNullOrWhiteSpace(translated[key]), $"{set} in {language}: {key} is empty");
            }
        }
    }

    [Fact]
    public void The_runtime_has_ICU_so_dates_are_written_in_each_language_and_evidence_formats_stay_invariant()
    {
        Assert.True(Sigill.Http.Icu.Available(), "ICU is missing: install libicu72 (test.sh does)");
        var day = new DateTime(2026, 3, 5, 14, 30, 0, DateTimeKind.Utc);
        Assert.Equal("5 mars 2026", day.ToString("d MMMM yyyy", Contracts.Languages.Culture("sv")));
        Assert.Equal("5. März 2026", day.ToString("d. MMMM yyyy", Contracts.Languages.Culture("de")));
        Assert.Equal("1 234,5", 1234.5m.ToString("#,##0.0", Contracts.Languages.Culture("fr")).Replace('\u202f', ' ').Replace('\u00a0', ' '));
        // What evidence uses: the invariant culture, whatever the thread's culture is.
        var before = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = Contracts.Languages.Culture("de");
            Assert.Equal("2026-03-05T14:30:00", day.ToString("s", CultureInfo.InvariantCulture));
            Assert.Equal("1234.5", 1234.5m.ToString(CultureInfo.InvariantCulture));
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [Fact]
    public void A_certificate_of_completion_in_Swedish_reads_back_with_Swedish_labels_and_a_ring_a_umlaut_o_umlaut()
    {
        var at = new DateTimeOffset(2026, 12, 6, 10, 15, 0, TimeSpan.Zero);
        var certificate = new CompletionCertificate
        {
            Language = "sv",
            DocumentTitle = "Avtal om skötsel av gräsmatta",
            DocumentId = "doc_eu_language0test",
            CompletedAt = at,
            Signers = [new CompletionSigner("Åsa Öberg", "asa@example.test", at, "192.0.2.7", "SigillTest/1.0", "link sent by e-mail", new string('a', 64))],
            AuditEvents = [new CompletionAuditEvent(at, "document.completed", 1234, "checkpoint 7")],
            Hashes = [new DocumentHash(DocumentHashKind.Original, new string('b', 64))],
        };
        var path = Path.Combine(Path.GetTempPath(), $"sigill-certificate-sv-{Guid.NewGuid():N}.pdf");
        try
        {
            File.WriteAllBytes(path, CompletionCertificateRenderer.Render(certificate));
            var (exit, text) = Run("pdftotext", path, "-");
            Assert.Equal(0, exit);
            foreach (var label in new[] { "Intyg om slutförande", "Dokument: Avtal om skötsel av gräsmatta", "Slutfört: 6 december 2026 kl. 10:15:00 UTC", "Undertecknare",
                "Undertecknat 6 december 2026", "Granskningslogg", "Dokumentets kontrollsummor (SHA-256)", "Originaldokumentets SHA-256", "löv 1234", "förseglad", "Åsa Öberg" })
            {
                Assert.Contains(label, text, StringComparison.Ordinal);
            }
            Assert.Contains('å', text);
            Assert.Contains('ä', text);
            Assert.Contains('ö', text);
            Assert.DoesNotContain("Certificate of Completion", text, StringComparison.Ordinal);
            // The evidence in it is the same in every language: the hash and the leaf index as stored.
            Assert.Contains(new string('b', 64), text, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Invitations_take_the_recipients_language_else_the_organizations_and_the_certificate_the_organizations(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Gräsklippning AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var settings = await OkJsonAsync(await sender.PatchAsJsonAsync("/api/v1/organizations/current", new { defaultLanguage = "sv" }));
        Assert.Equal("sv", settings.GetProperty("defaultLanguage").GetString());

        var id = (await UploadOkAsync(sender, "Skötselavtal", SamplePdf("Avtal"))).GetProperty("id").GetString()!;
        var swede = $"sv-{Guid.NewGuid():N}@example.test";
        var german = $"de-{Guid.NewGuid():N}@example.test";
        var sv = await AddRecipientAsync(sender, id, "Åsa Öberg", swede, order: 1);
        var de = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", new { name = "Jürgen Groß", email = german, signingOrder = 1, language = "de" })).GetProperty("id").GetString()!;
        await EnsureSignerFieldsAsync(sender, id);
        var view = JsonDocument.Parse(await sender.GetStringAsync($"/api/v1/documents/{id}")).RootElement;
        var languages = view.GetProperty("recipients").EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("language").GetString());
        Assert.Null(languages[sv]); // the organization's default applies
        Assert.Equal("de", languages[de]);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { expiresInDays = 7 });

        var swedish = await Outbox.WaitForAsync(app.DataDirectory, "eu", swede, "Underteckna ”Skötselavtal”");
        Assert.Contains("Hej Åsa Öberg,", swedish.Text, StringComparison.Ordinal);
        Assert.Contains("Granska och underteckna", swedish.Text, StringComparison.Ordinal);
        Assert.Matches(@"Den fungerar till \d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december) \d{4}, \d\d:\d\d UTC\.", swedish.Text);
        Assert.Contains("Skickat med Sigill för Gräsklippning AB.", swedish.Text, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"sv\">", swedish.Html, StringComparison.Ordinal);
        var germanMail = await Outbox.WaitForAsync(app.DataDirectory, "eu", german, "Bitte unterschreiben Sie „Skötselavtal“");
        Assert.Contains("Hallo Jürgen Groß,", germanMail.Text, StringComparison.Ordinal);
        Assert.Contains("<html lang=\"de\">", germanMail.Html, StringComparison.Ordinal);

        await SignAsync(app, LinkFor(app.DataDirectory, "eu", swede), new { typedName = "Åsa Öberg" });
        var done = await SignAsync(app, LinkFor(app.DataDirectory, "eu", german), new { typedName = "Jürgen Groß" });
        Assert.Equal("completed", done.GetProperty("documentStatus").GetString());
        var completed = await Outbox.WaitForAsync(app.DataDirectory, "eu", swede, "Slutfört: ”Skötselavtal”");
        Assert.Contains("Alla har undertecknat.", completed.Text, StringComparison.Ordinal);
        await Outbox.WaitForAsync(app.DataDirectory, "eu", german, "Abgeschlossen: „Skötselavtal“");

        var sealedPdf = await sender.GetByteArrayAsync($"/api/v1/documents/{id}/sealed.pdf");
        var path = Path.Combine(app.DataDirectory, "..", $"sealed-sv-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(path, sealedPdf);
        var (_, text) = Run("pdftotext", path, "-");
        Assert.Contains("Intyg om slutförande", text, StringComparison.Ordinal);
        Assert.Contains("Undertecknare", text, StringComparison.Ordinal);
        Assert.Contains("Granskningslogg", text, StringComparison.Ordinal);
        // The audit events behind the certificate keep their language-neutral names.
        Assert.Contains("document.completed", await sender.GetStringAsync($"/api/v1/documents/{id}/activity"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_language_Sigill_does_not_speak_is_refused_with_language_unsupported_and_nothing_is_stored(Backend backend)
    {
        var app = await apps.For(backend);
        var org = await app.SetUpOrganizationAsync("Acme Languages", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Languages", SamplePdf("languages"))).GetProperty("id").GetString()!;
        foreach (var bad in new object[] { "sv-SE", "SV", "xx", "", " sv", "english", 7 })
        {
            using var added = await sender.PostAsJsonAsync($"/api/v1/documents/{id}/recipients", new Dictionary<string, object> { ["name"] = "Ann", ["email"] = "ann@example.test", ["language"] = bad });
            Assert.Equal(HttpStatusCode.BadRequest, added.StatusCode);
            if (bad is string) await AssertLanguageProblemAsync(added, "language");
            using var settings = await sender.PatchAsJsonAsync("/api/v1/organizations/current", new Dictionary<string, object> { ["defaultLanguage"] = bad });
            Assert.Equal(HttpStatusCode.BadRequest, settings.StatusCode);
            if (bad is string) await AssertLanguageProblemAsync(settings, "defaultLanguage");
        }
        var view = JsonDocument.Parse(await sender.GetStringAsync($"/api/v1/documents/{id}")).RootElement;
        Assert.Equal(0, view.GetProperty("recipients").GetArrayLength());
        Assert.Equal("en", JsonDocument.Parse(await sender.GetStringAsync("/api/v1/organizations/current")).RootElement.GetProperty("defaultLanguage").GetString());

        // A recipient's language is changed (and cleared back to the organization's default) with the recipient's PATCH.
        var ann = await AddRecipientAsync(sender, id, "Ann", "ann@example.test");
        using (var refused = await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{ann}", new { language = "pt" }))
        {
            await AssertLanguageProblemAsync(refused, "language");
        }
        var french = await OkJsonAsync(await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{ann}", new { language = "fr" }));
        Assert.Equal("fr", french.GetProperty("language").GetString());
        Assert.Equal("Ann", french.GetProperty("name").GetString());
        var cleared = await OkJsonAsync(await sender.PatchAsJsonAsync($"/api/v1/documents/{id}/recipients/{ann}", new { language = "" }));
        Assert.Equal(JsonValueKind.Null, cleared.GetProperty("language").ValueKind);
    }

    [Fact]
    public async Task The_public_delivery_page_speaks_the_browsers_language_and_English_when_it_cannot()
    {
        var app = await apps.For(Backend.Sqlite);
        var cases = new (string? Accept, string Lang, string Heading)[]
        {
            ("sv-SE,sv;q=0.9,en;q=0.5", "sv", "Den här nedladdningslänken är inte aktiv"),
            ("de", "de", "Dieser Download-Link ist nicht aktiv"),
            ("pt-BR,fr;q=0.8", "fr", "Ce lien de téléchargement n’est pas actif"),
            ("es-MX", "es", "Este enlace de descarga no está activo"),
            ("pt-BR", "en", "This download link is not active"),
            (null, "en", "This download link is not active"),
        };
        foreach (var (accept, lang, heading) in cases)
        {
            using var client = app.Web();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/d/sgd_eu_" + new string('a', 52));
            if (accept is not null) request.Headers.TryAddWithoutValidation("Accept-Language", accept);
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var html = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains($"<html lang=\"{lang}\">", html, StringComparison.Ordinal);
            Assert.Contains($"<h1>{heading}</h1>", html, StringComparison.Ordinal);
        }
    }

    private static async Task AssertLanguageProblemAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("language_unsupported", problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    private static Dictionary<string, string> Entries(ResourceManager resources, CultureInfo culture)
    {
        var set = resources.GetResourceSet(culture, createIfNotExists: true, tryParents: false);
        Assert.True(set is not null, $"no resource set for {(culture.Name.Length == 0 ? "English" : culture.Name)}");
        return set.Cast<System.Collections.DictionaryEntry>().ToDictionary(e => (string)e.Key, e => (string)e.Value!, StringComparer.Ordinal);
    }

    private static List<string> Placeholders(string text) => [.. PlaceholderPattern().Matches(text).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"\{\d+\}")]
    private static partial Regex PlaceholderPattern();
}
