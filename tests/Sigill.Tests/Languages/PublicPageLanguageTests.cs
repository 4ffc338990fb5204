using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.TrustCenter;

namespace Sigill.Tests.Languages;

/// <summary>
/// The public pages people open without an account — the trust center, the privacy notice, the privacy request form and
/// its e-mailed link — and the sub-processor register (shared with the organization's page) speak the request's language
/// (docs/translations.md): the language select's cookie, else the browser's, else English; English stays what it was;
/// names, codes and data- attributes stay as declared.
/// </summary>
public sealed partial class PublicPageLanguageTests
{
    private static string Config() => new JsonObject
    {
        ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(SubProcessorRegisterTests.Entry("Mailgate"), SubProcessorRegisterTests.Entry("Euro Archive", "Stores backups", null, "eu")) },
        ["Trust"] = new JsonObject { ["Contacts"] = new JsonArray("mailto:security@sigill.example"), ["Hosting"] = new JsonObject { ["Provider"] = "Example Hosting GmbH" } },
    }.ToJsonString();

    [Fact]
    public void Every_key_the_public_pages_ask_PublicText_for_is_in_the_English_set()
    {
        var pages = Path.Combine(Repository.Root, "src", "Sigill.Web", "Pages");
        var used = Directory.EnumerateFiles(pages, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cshtml", StringComparison.Ordinal) || f.EndsWith(".cs", StringComparison.Ordinal))
            .SelectMany(f => UsedKey().Matches(File.ReadAllText(f)).Select(m => (File: Path.GetFileName(f), Key: m.Groups[1].Value)))
            .ToList();
        Assert.True(used.Count > 80, $"only {used.Count} uses of PublicText found");
        var missing = used.Where(u => Sigill.Web.Pages.PublicText.Resources.GetString(u.Key, CultureInfo.InvariantCulture) is null).ToList();
        Assert.True(missing.Count == 0, "missing in PublicText.resx: " + string.Join(", ", missing.Select(m => $"{m.Key} ({m.File})")));
        foreach (var key in new[] { "Trust.KeyProvider.hsm", "Trust.KeyProvider.file", "SubProcessors.Change.added", "SubProcessors.Change.removed", "SubProcessors.Change.changed" })
        {
            Assert.NotNull(Sigill.Web.Pages.PublicText.Resources.GetString(key, CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public async Task Each_public_page_speaks_German_and_Swedish_from_the_browser_or_the_select_and_English_by_default()
    {
        await using var app = await SigillApp.StartAsync(Config());
        var confirm = "/privacy/request/sgq_eu_" + new string('a', 26) + "_" + new string('b', 52); // opening it only shows a button
        var cases = new (string Path, string En, string De, string Sv, string DeWord, string SvWord)[]
        {
            ("/trust", "Trust center", "Trust Center", "Förtroendecenter", "Unterauftragsverarbeiter", "Säkerhetskopior och återställning"),
            ("/privacy/notice", "Privacy notice", "Datenschutzhinweis", "Integritetsmeddelande", "die Organisation, die Ihnen das Dokument gesendet hat", "organisationen som skickade dokumentet till dig"),
            ("/privacy/request", "Make a privacy request", "Eine Datenschutzanfrage stellen", "Gör en integritetsbegäran", "Eine Kopie meiner Daten (Auskunft)", "Radera mina uppgifter (radering)"),
            (confirm, "Confirm your privacy request", "Ihre Datenschutzanfrage bestätigen", "Bekräfta din integritetsbegäran", "Meine Anfrage senden", "Skicka min begäran"),
        };
        foreach (var (path, en, de, sv, deWord, svWord) in cases)
        {
            using var english = app.Web();
            var page = await OkAsync(english, path);
            Assert.Contains("<html lang=\"en\">", page, StringComparison.Ordinal);
            Assert.Equal(en, Heading(page));
            Assert.DoesNotContain(deWord, page, StringComparison.Ordinal);

            using var german = app.Web();
            german.DefaultRequestHeaders.Add("Accept-Language", "de-AT, en;q=0.5");
            page = await OkAsync(german, path);
            Assert.Contains("<html lang=\"de\">", page, StringComparison.Ordinal);
            Assert.Equal(de, Heading(page));
            Assert.Contains(deWord, page, StringComparison.Ordinal);

            // The select's choice (the cookie) beats the browser's language.
            using var swedish = app.Web();
            swedish.DefaultRequestHeaders.Add("Accept-Language", "de-DE");
            swedish.DefaultRequestHeaders.Add("Cookie", "sigill-lang=sv");
            page = await OkAsync(swedish, path);
            Assert.Contains("<html lang=\"sv\">", page, StringComparison.Ordinal);
            Assert.Equal(sv, Heading(page));
            Assert.Contains(svWord, page, StringComparison.Ordinal);
            Assert.Contains("id=\"language-select\"", page, StringComparison.Ordinal); // these pages offer the select
        }

        // The trust center: cached for a minute, so it varies by what chooses the language; names and data- attributes stay.
        using var web = app.Web();
        web.DefaultRequestHeaders.Add("Accept-Language", "sv");
        using var trust = await web.GetAsync("/trust");
        Assert.Contains("Accept-Language", trust.Headers.Vary);
        Assert.Contains("Cookie", trust.Headers.Vary);
        var swedishTrust = WebUtility.HtmlDecode(await trust.Content.ReadAsStringAsync());
        Assert.Contains("data-name=\"Euro Archive\"", swedishTrust, StringComparison.Ordinal);
        Assert.Contains("Nyckelring i fil (huvudnyckeln utanför databasen)", swedishTrust, StringComparison.Ordinal);
        Assert.Contains("Example Hosting GmbH", swedishTrust, StringComparison.Ordinal);
        using var plain = app.Web();
        Assert.Contains("File keyring (master key outside the database)", await OkAsync(plain, "/trust"), StringComparison.Ordinal);

        // The organization's register (signed in) and the list it shares with /trust.
        using var owner = app.Web();
        await IdentityKit.SignUpThroughPagesAsync(app, owner, "lars.lista@example.com", "eu", organization: "Lista AB");
        var register = await OkAsync(owner, "/organization/sub-processors");
        Assert.Contains("<html lang=\"en\">", register, StringComparison.Ordinal);
        Assert.Equal("Sub-processors", Heading(register));
        Assert.Contains("Version 1 accepted when the organization was created", register, StringComparison.Ordinal);
        foreach (var (lang, heading, accepted) in new[] { ("de", "Unterauftragsverarbeiter", "Version 1 bei der Gründung der Organisation angenommen"), ("sv", "Underbiträden", "Version 1 godkändes när organisationen skapades") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/organization/sub-processors");
            request.Headers.Add("Accept-Language", lang);
            using var response = await owner.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync());
            Assert.Contains($"<html lang=\"{lang}\">", page, StringComparison.Ordinal);
            Assert.Equal(heading, Heading(page));
            Assert.Contains(accepted, page, StringComparison.Ordinal);
            Assert.Contains("data-name=\"Mailgate\"", page, StringComparison.Ordinal);
        }
    }

    private static async Task<string> OkAsync(HttpClient web, string path)
    {
        using var response = await web.GetAsync(path);
        var page = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {page}");
        return WebUtility.HtmlDecode(page); // Razor writes ä as &#xE4;
    }

    private static string Heading(string page) => HeadingPattern().Match(page).Groups[1].Value;

    [GeneratedRegex("<h1>(.*?)</h1>")]
    private static partial Regex HeadingPattern();

    [GeneratedRegex("""\bPH?\("([A-Za-z]+\.[A-Za-z0-9_.]+)"[,)]""")]
    private static partial Regex UsedKey();
}
