using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The public pages that speak the browser's language (docs/translations.md), in Chromium set to each language: the
/// words and <c>lang</c> follow it, and axe finds nothing in any of them (screenshots <c>language-*</c>).
/// </summary>
public sealed class LanguageBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task The_direct_link_and_download_pages_speak_each_language_the_browser_asks_for_and_pass_axe()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Föreningen Vår Gård", "eu");
        using var sender = app.Web(org.ApiToken);
        var templateId = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Medlemsavtal", body = "# Medlemsavtal\nJag hjälper till." }))
            .GetProperty("id").GetString()!;
        var token = (await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", new { title = "Medlemsavtal 2027", expiresAt = DateTime.UtcNow.AddDays(30) }))
            .GetProperty("token").GetString()!;
        var cases = new (string Locale, string Lang, string Button, string Inactive)[]
        {
            ("sv-SE", "sv", "Fortsätt till dokumentet", "Den här nedladdningslänken är inte aktiv"),
            ("de-DE", "de", "Weiter zum Dokument", "Dieser Download-Link ist nicht aktiv"),
            ("fr-FR", "fr", "Continuer vers le document", "Ce lien de téléchargement n’est pas actif"),
            ("es-ES", "es", "Continuar al documento", "Este enlace de descarga no está activo"),
            ("en-US", "en", "Continue to the document", "This download link is not active"),
        };
        foreach (var (locale, lang, button, inactive) in cases)
        {
            await using var p = await chromium.NewSessionAsync(app.WebUrl, locale: locale);
            await p.Page.GotoAsync($"/direct/{token}");
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            Assert.Equal(button, (await p.Page.InnerTextAsync("#direct-link-start")).Trim());
            Assert.Contains("Medlemsavtal 2027", await p.Page.InnerTextAsync("h1"), StringComparison.Ordinal);
            await p.CheckPageAsync($"language-direct-link-{lang}");
            await p.Page.GotoAsync($"/d/sgd_eu_{new string('a', 52)}");
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            Assert.Equal(inactive, (await p.Page.InnerTextAsync("h1")).Trim());
            await p.CheckPageAsync($"language-delivery-{lang}");
            p.AssertNoCspViolations();
        }
    }
}
