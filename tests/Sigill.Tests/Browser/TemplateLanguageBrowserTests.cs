using System.Net.Http.Json;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Templates in several languages in Chromium: the sender adds, fixes and removes a translated text on the template
/// page (screenshots <c>template-translations*</c>), and a direct-link visitor whose browser speaks Swedish gets the
/// Swedish document.
/// </summary>
public sealed class TemplateLanguageBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_sender_adds_fixes_and_removes_a_translation_on_the_template_page(bool mobile)
    {
        var suffix = mobile ? "-phone" : "";
        await using var app = await SigillApp.StartAsync();
        await using var b = await chromium.NewSessionAsync(app.WebUrl, mobile: mobile);
        var page = b.Page;
        await b.SignUpAsync(app, "Tove Text", "tove.text@example.com", "Text AB", "eu");
        await page.GotoAsync("/templates/new");
        // The starter text draws the first signer's signature block, and the hint says how.
        Assert.Contains("{{ signature_1 }}{{ signer_name_1 }}", await page.InputValueAsync("#body"), StringComparison.Ordinal);
        Assert.Contains("{{ date_signed_1 }}", await page.InnerTextAsync("main"), StringComparison.Ordinal);
        await page.SelectOptionAsync("#language", "en");
        await page.ClickAsync("#save-template");
        await page.WaitForSelectorAsync("#saved");
        Assert.Equal("en", await page.InputValueAsync("#language"));

        await page.SelectOptionAsync("#translation-language", "sv");
        await page.FillAsync("#translation-title", "Förslag");
        await page.FillAsync("#translation-body", "# Förslag till {{ client }}\n\nOmfattning: {{ scope }}. Åäö.");
        await page.ClickAsync("#add-translation");
        await page.WaitForSelectorAsync("#translation-sv");
        Assert.Equal("Förslag", await page.InputValueAsync("#translation-title-sv"));
        Assert.Contains("Omfattning: {{ scope }}. Åäö.", await page.InputValueAsync("#translation-body-sv"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#translation-language option[value='sv']").CountAsync()); // translated already
        await b.CheckPageAsync($"template-translations{suffix}");

        // A translation that uses an undeclared variable is refused; the text stays in the form to fix.
        await page.SelectOptionAsync("#translation-language", "de");
        await page.FillAsync("#translation-body", "Hallo {{ secret }}");
        await page.ClickAsync("#add-translation");
        await page.WaitForSelectorAsync("#error");
        Assert.Contains("secret", await page.InnerTextAsync("#error"), StringComparison.Ordinal);
        Assert.Equal("Hallo {{ secret }}", await page.InputValueAsync("#translation-body"));
        Assert.Equal("de", await page.InputValueAsync("#translation-language"));
        await b.CheckPageAsync($"template-translations-error{suffix}");

        await page.ClickAsync("#remove-translation-sv");
        await page.WaitForSelectorAsync("#saved");
        Assert.Equal(0, await page.Locator("#translation-sv").CountAsync());
        b.AssertNoCspViolations();
    }

    [Fact]
    public async Task A_direct_link_visitor_whose_browser_speaks_swedish_gets_the_swedish_document()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Språkföreningen", "eu");
        using var sender = app.Web(org.ApiToken);
        var templateId = (await PostOkAsync(sender, "/api/v1/templates", new { name = "Membership", body = "# Membership\nI will help out.", language = "en" }))
            .GetProperty("id").GetString()!;
        using (var put = await sender.PutAsJsonAsync($"/api/v1/templates/{templateId}/translations/sv", new { body = "# Medlemskap\nJag hjälper till." }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }
        var token = (await PostOkAsync(sender, $"/api/v1/templates/{templateId}/direct-links", new { title = "Medlemskap 2027" })).GetProperty("token").GetString()!;

        await using var p = await chromium.NewSessionAsync(app.WebUrl, locale: "sv-SE");
        await p.Page.GotoAsync($"/direct/{token}");
        await p.Page.FillAsync("#name", "Åsa Öberg");
        await p.Page.FillAsync("#email", "asa@example.test");
        await p.Page.ClickAsync("#direct-link-start");
        await p.Page.WaitForSelectorAsync("#send-code"); // the normal signing page, which first confirms the address

        var id = (await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents")).EnumerateArray().Single().GetProperty("id").GetString()!;
        var document = await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}");
        Assert.Equal("sv", document.GetProperty("language").GetString());
        Assert.Equal("sv", document.GetProperty("recipients")[0].GetProperty("language").GetString());
    }
}
