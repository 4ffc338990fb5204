using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The public pages that speak the browser's language (docs/translations.md), in Chromium set to each language: the
/// words and <c>lang</c> follow it, and axe finds nothing in any of them (screenshots <c>language-*</c>). The
/// recipient's signing page speaks the language the sender chose for the recipient, whatever the browser's.
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
        var cases = new (string Locale, string Lang, string Button, string Inactive, string NotFound)[]
        {
            ("sv-SE", "sv", "Fortsätt till dokumentet", "Den här nedladdningslänken är inte aktiv", "Den här sidan finns inte"),
            ("de-DE", "de", "Weiter zum Dokument", "Dieser Download-Link ist nicht aktiv", "Diese Seite gibt es nicht"),
            ("fr-FR", "fr", "Continuer vers le document", "Ce lien de téléchargement n’est pas actif", "Cette page n’existe pas"),
            ("es-ES", "es", "Continuar al documento", "Este enlace de descarga no está activo", "Esta página no existe"),
            ("en-US", "en", "Continue to the document", "This download link is not active", "This page does not exist"),
        };
        foreach (var (locale, lang, button, inactive, notFound) in cases)
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
            // The web tier's error page speaks the browser's language too.
            await p.Page.GotoAsync("/no-such-page-here");
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            Assert.Equal(notFound, (await p.Page.InnerTextAsync("h1")).Trim());
            await p.CheckPageAsync($"language-error-404-{lang}");
            p.AssertNoCspViolations();
        }
    }

    [Fact]
    public async Task The_signing_page_speaks_the_recipients_language_from_consent_to_signed_and_passes_axe_in_each()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Språkskolan i Umeå", "eu");
        using var sender = app.Web(org.ApiToken);
        var cases = new (string Lang, string Agree, string Sign, string Left, string Signed)[]
        {
            ("sv", "Jag godkänner, fortsätt", "Underteckna dokumentet", "2 obligatoriska fält kvar.", "Tack, du har undertecknat"),
            ("de", "Ich stimme zu, weiter", "Dokument unterschreiben", "2 Pflichtfelder offen.", "Danke, Sie haben unterschrieben"),
            ("fr", "J’accepte, continuer", "Signer le document", "Il reste 2 champs obligatoires.", "Merci, vous avez signé"),
            ("es", "Acepto, continuar", "Firmar el documento", "Quedan 2 campos obligatorios.", "Gracias, ha firmado"),
            ("en", "I agree, continue", "Sign the document", "2 required fields left.", "Thank you, you have signed"),
        };
        foreach (var (lang, agree, sign, left, signed) in cases)
        {
            var id = (await UploadOkAsync(sender, $"Kursavtal {lang}", SamplePdf("Kursavtal"))).GetProperty("id").GetString()!;
            var email = $"elev.{lang}@example.test";
            var recipient = (await PostOkAsync(sender, $"/api/v1/documents/{id}/recipients", new { name = "Åke Ström", email, role = "signer", language = lang }))
                .GetProperty("id").GetString()!;
            async Task<string> Place(string kind, double y, object? settings = null) =>
                (await PostOkAsync(sender, $"/api/v1/documents/{id}/fields",
                    new { recipientId = recipient, kind, page = 1, x = 60, y, width = 220, height = 24, settings })).GetProperty("id").GetString()!;
            await Place("signature", 40);
            var seats = await Place("number", 90, new { min = 1, max = 20, decimals = 1 });
            var level = await Place("dropdown", 130, new { options = new[] { "A1", "B2", "C1" } });
            await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });

            // The browser asks for English: the page follows the recipient's language, not the browser's.
            await using var p = await chromium.NewSessionAsync(app.WebUrl, locale: "en-US");
            await p.Page.GotoAsync($"/s/{LinkFor(app.DataDirectory, "eu", email)}");
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            Assert.Equal(agree, (await p.Page.InnerTextAsync("#agree")).Trim());
            await p.CheckPageAsync($"language-signing-consent-{lang}");
            await p.Page.ClickAsync("#agree");
            await p.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            Assert.Equal(sign, (await p.Page.InnerTextAsync("#sign")).Trim());
            Assert.Equal(left, await p.Page.InnerTextAsync("#guide-status"));
            if (lang == "sv") Assert.Equal("Från 1 till 20, högst 1 decimal.", await p.Page.InnerTextAsync($"#field-{seats}-hint"));
            await p.CheckPageAsync($"language-signing-{lang}");
            await p.Page.FillAsync($"#field-{seats}", "2.5");
            await p.Page.SelectOptionAsync($"#field-{level}", "B2");
            await p.Page.ClickAsync("#sign");
            await p.Page.WaitForSelectorAsync("#signed");
            Assert.Equal(signed, (await p.Page.InnerTextAsync("#signed h1")).Trim());
            Assert.Equal(lang, await p.Page.GetAttributeAsync("html", "lang"));
            await p.CheckPageAsync($"language-signing-signed-{lang}");
            p.AssertNoCspViolations();
        }

        // A link that is not a link has no recipient: the page takes the browser's language.
        await using var stranger = await chromium.NewSessionAsync(app.WebUrl, locale: "de-DE");
        await stranger.Page.GotoAsync("/s/not-a-link");
        Assert.Equal("de", await stranger.Page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Dieser Link ist nicht aktiv", (await stranger.Page.InnerTextAsync("h1")).Trim());
        await stranger.CheckPageAsync("language-signing-inactive-de");
    }
}
