using System.Globalization;
using System.Net;
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

    [GeneratedRegex("<h1>(.*?)</h1>")]
    private static partial Regex Heading();

    [GeneratedRegex("""\b(?:S|H)\("([A-Za-z]+\.[A-Za-z0-9_.]+)"[,)]""")]
    private static partial Regex UsedKey();
}
