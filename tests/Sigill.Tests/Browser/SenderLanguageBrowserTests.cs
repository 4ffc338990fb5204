using System.Text.RegularExpressions;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The sender's pages in the language the sender picks with the footer's select (docs/translations.md), in Chromium:
/// the documents list, a draft document (its script's words too) and the template editor speak it, <c>lang</c> follows,
/// numbers the script reads stay invariant, axe finds nothing in any language, and long German and French words fit on
/// a desktop and a 390-px phone (screenshots <c>sender-language-*</c>). Without a choice the browser's language counts.
/// </summary>
public sealed partial class SenderLanguageBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_signed_in_sender_picks_each_language_with_the_select_and_the_documents_a_document_and_a_template_follow()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "sara.sprak@example.com", "eu", "Språkbyrån AB");
        using var api = app.Web(owner.Session);
        var templateId = (await PostOkAsync(api, "/api/v1/templates", new { name = "Uppdragsavtal", body = "# Uppdragsavtal\nKund: {{ client }}", variables = new[] { "client" } }))
            .GetProperty("id").GetString()!;
        var documentId = (await UploadOkAsync(api, "Hyresavtal Storgatan 5", SamplePdf("Hyresavtal"))).GetProperty("id").GetString()!;
        var signer = (await PostOkAsync(api, $"/api/v1/documents/{documentId}/recipients", new { name = "Åsa Öberg", email = "asa@example.test", role = "signer" }))
            .GetProperty("id").GetString()!;
        await PostOkAsync(api, $"/api/v1/documents/{documentId}/fields", new { recipientId = signer, kind = "signature", page = 1, x = 72.5, y = 600.25, width = 180, height = 40 });

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var p = s.Page;
        await p.GotoAsync("/sign-in");
        Assert.Equal("en", await p.GetAttributeAsync("html", "lang"));
        await p.FillAsync("#email", "sara.sprak@example.com");
        await p.FillAsync("#password", IdentityKit.Password);
        await p.ClickAsync("#sign-in-submit");
        await p.WaitForSelectorAsync("#account");
        await p.GotoAsync("/documents");
        Assert.Equal("Documents", (await p.InnerTextAsync("h1")).Trim()); // English until a choice is made

        var cases = new (string Lang, string Documents, string NewDocument, string Recipients, string OnePage, string SaveTemplate, string Draft)[]
        {
            ("sv", "Dokument", "Nytt dokument", "Mottagare", "1 sida visas.", "Spara mallen", "Utkast"),
            ("de", "Dokumente", "Neues Dokument", "Empfänger", "1 Seite angezeigt.", "Vorlage speichern", "Entwurf"),
            ("fr", "Documents", "Nouveau document", "Destinataires", "1 page affichée.", "Enregistrer le modèle", "Brouillon"),
            ("es", "Documentos", "Nuevo documento", "Destinatarios", "1 página mostrada.", "Guardar la plantilla", "Borrador"),
        };
        foreach (var (lang, documents, newDocument, recipients, onePage, saveTemplate, draft) in cases)
        {
            await p.SetViewportSizeAsync(1280, 900);
            await p.GotoAsync("/documents");
            await p.SelectOptionAsync("#language-select", lang);
            await p.ClickAsync("#language-submit");
            await p.WaitForURLAsync(new Regex("/documents$"));
            Assert.Equal(lang, await p.GetAttributeAsync("html", "lang"));
            Assert.Equal(documents, (await p.InnerTextAsync("h1")).Trim());
            Assert.Equal(newDocument, (await p.InnerTextAsync("#new-document")).Trim());
            Assert.Equal(draft, (await p.InnerTextAsync("#documents .status")).Trim());
            Assert.Equal(lang, await p.InputValueAsync("#language-select"));
            await s.CheckPageAsync($"sender-language-documents-{lang}-desktop");

            await p.GotoAsync($"/documents/{documentId}");
            await p.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal(lang, await p.GetAttributeAsync("html", "lang"));
            Assert.Equal(recipients, (await p.InnerTextAsync("#recipients-title")).Trim());
            Assert.Equal(onePage, (await p.InnerTextAsync("#pages-status")).Trim()); // sender.js's words, from the page
            // The script's numbers stay invariant whatever the language (a comma would move the field).
            Assert.Equal("72.5", await p.GetAttributeAsync(".placed", "data-x"));
            Assert.Equal("600.25", await p.GetAttributeAsync(".placed", "data-y"));
            await s.CheckPageAsync($"sender-language-document-{lang}-desktop");

            await p.GotoAsync($"/templates/{templateId}");
            Assert.Equal(lang, await p.GetAttributeAsync("html", "lang"));
            Assert.Equal(saveTemplate, (await p.InnerTextAsync("#save-template")).Trim());
            await s.CheckPageAsync($"sender-language-template-{lang}-desktop");

            await p.SetViewportSizeAsync(390, 844);
            await p.GotoAsync("/documents");
            await s.CheckPageAsync($"sender-language-documents-{lang}-phone");
            await p.GotoAsync($"/documents/{documentId}");
            await p.WaitForSelectorAsync("body[data-pages-rendered=true]");
            await s.CheckPageAsync($"sender-language-document-{lang}-phone");
            await p.GotoAsync($"/templates/{templateId}");
            await s.CheckPageAsync($"sender-language-template-{lang}-phone");
        }

        // Back to English with the same select.
        await p.GotoAsync("/templates");
        await p.SelectOptionAsync("#language-select", "en");
        await p.ClickAsync("#language-submit");
        await p.WaitForURLAsync(new Regex("/templates$"));
        Assert.Equal("en", await p.GetAttributeAsync("html", "lang"));
        Assert.Equal("Templates", (await p.InnerTextAsync("h1")).Trim());
        s.AssertNoCspViolations();

        // Another browser, no choice made: its own language (Accept-Language) counts.
        await using var french = await chromium.NewSessionAsync(app.WebUrl, mobile: true, locale: "fr-FR");
        await french.Page.GotoAsync("/sign-in");
        Assert.Equal("fr", await french.Page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Se connecter", (await french.Page.InnerTextAsync("h1")).Trim());
        await french.CheckPageAsync("sender-language-sign-in-fr-phone");
        await french.Page.FillAsync("#email", "sara.sprak@example.com");
        await french.Page.FillAsync("#password", IdentityKit.Password);
        await french.Page.ClickAsync("#sign-in-submit");
        await french.Page.WaitForSelectorAsync("#account");
        await french.Page.GotoAsync("/documents");
        Assert.Equal("fr", await french.Page.GetAttributeAsync("html", "lang"));
        Assert.Equal("Nouveau document", (await french.Page.InnerTextAsync("#new-document")).Trim());
        french.AssertNoCspViolations();
    }

    [Fact]
    public async Task The_organization_and_privacy_pages_fit_and_pass_axe_in_German_on_a_desktop_and_a_phone()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "dora.datenschutz@example.com", "eu", "Datenschutzbeauftragtengesellschaft mbH");
        using var api = app.Web(owner.Session);
        var documentId = (await UploadOkAsync(api, "Mietvertrag Hauptstraße 5", SamplePdf("Mietvertrag"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(api, documentId, "Jürgen Übermaß", "juergen@example.test");
        await PostOkAsync(api, "/api/v1/invitations/", new { email = "leonie.leserin@example.com", role = "viewer" });

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false, locale: "de-DE");
        var p = s.Page;
        await p.GotoAsync("/sign-in");
        Assert.Equal("de", await p.GetAttributeAsync("html", "lang"));
        await p.FillAsync("#email", "dora.datenschutz@example.com");
        await p.FillAsync("#password", IdentityKit.Password);
        await p.ClickAsync("#sign-in-submit");
        await p.WaitForSelectorAsync("#account");

        await p.GotoAsync("/organization");
        Assert.Equal("de", await p.GetAttributeAsync("html", "lang"));
        Assert.Equal("Organisation", (await p.InnerTextAsync("h1")).Trim());
        Assert.Equal("Mitglieder", (await p.InnerTextAsync("#members-title")).Trim());
        Assert.Equal("Einladung senden", (await p.InnerTextAsync("#invite-submit")).Trim());
        Assert.Equal("member", await p.InputValueAsync("#invite-role")); // the select posts the code
        Assert.Contains("als Leser · offen", await p.InnerTextAsync("#invitations"), StringComparison.Ordinal);
        await s.CheckPageAsync("sender-language-organization-de-desktop");

        await p.GotoAsync("/organization/privacy");
        Assert.Equal("Daten einer Person", (await p.InnerTextAsync("h1")).Trim());
        await p.FillAsync("#query", "juergen@example.test");
        await p.ClickAsync("#search");
        await p.WaitForSelectorAsync("#found-recipients");
        Assert.Contains("1 Dokumenteintrag als Empfänger", await p.InnerTextAsync("#found-summary"), StringComparison.Ordinal);
        Assert.Equal(documentId, await p.GetAttributeAsync(".found-recipient", "data-document"));
        await s.CheckPageAsync("sender-language-privacy-de-desktop");

        await p.GotoAsync("/organization/access-review");
        Assert.Equal("Zugriffsprüfung", (await p.InnerTextAsync("h1")).Trim());
        await p.ClickAsync("#start-review");
        await p.WaitForSelectorAsync("#review-members");
        await s.CheckPageAsync("sender-language-access-review-de-desktop");
        await p.GotoAsync("/organization/privacy-requests");
        Assert.Equal("Datenschutzanfragen", (await p.InnerTextAsync("h1")).Trim());
        await s.CheckPageAsync("sender-language-privacy-requests-de-desktop");

        await p.SetViewportSizeAsync(390, 844);
        await p.GotoAsync("/organization");
        await s.CheckPageAsync("sender-language-organization-de-phone");
        await p.GotoAsync("/organization/privacy");
        await p.FillAsync("#query", "juergen@example.test");
        await p.ClickAsync("#search");
        await p.WaitForSelectorAsync("#found-recipients");
        await s.CheckPageAsync("sender-language-privacy-de-phone");
        await p.GotoAsync("/organization/access-review");
        await s.CheckPageAsync("sender-language-access-review-de-phone");
        s.AssertNoCspViolations();
    }
}
