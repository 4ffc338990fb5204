using System.Text.RegularExpressions;
using System.Text.Json.Nodes;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.TrustCenter;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The public pages in a browser that speaks German (docs/translations.md): the trust center and the privacy request
/// (form, "check your e-mail", the e-mailed link's page and its answer) in German, clean under axe at desktop and
/// 390-px phone width (screenshots <c>public-language-*</c>), the request itself stored the same as in English.
/// </summary>
public sealed partial class PublicLanguageBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_German_browser_reads_the_trust_center_and_makes_a_privacy_request_in_German()
    {
        var config = new JsonObject
        {
            ["SubProcessors"] = new JsonObject { ["Entries"] = new JsonArray(SubProcessorRegisterTests.Entry("Mailgate"), SubProcessorRegisterTests.Entry("Euro Archive", "Stores backups", null, "eu")) },
            ["Trust"] = new JsonObject
            {
                ["Contacts"] = new JsonArray("mailto:security@sigill.example"),
                ["Policy"] = "https://sigill.example/disclosure",
                ["Hosting"] = new JsonObject { ["Provider"] = "Example Hosting GmbH", ["Certifications"] = new JsonArray("ISO/IEC 27001") },
            },
        }.ToJsonString();
        await using var app = await SigillApp.StartAsync(config);
        await SignUpAsync(app, "greta.owner@example.com", "eu", "Datenschutz GmbH");

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false, locale: "de-DE");
        var p = s.Page;
        await p.GotoAsync("/trust");
        Assert.Equal("de", await p.GetAttributeAsync("html", "lang"));
        Assert.Equal("Trust Center", (await p.InnerTextAsync("h1")).Trim());
        Assert.Equal("Unterauftragsverarbeiter", (await p.InnerTextAsync("#sub-title")).Trim());
        Assert.Contains("Schlüsselbund in einer Datei", await p.InnerTextAsync("#trust-encryption"), StringComparison.Ordinal);
        Assert.Contains("Example Hosting GmbH", await p.InnerTextAsync("#trust-hosting-provider"), StringComparison.Ordinal);
        Assert.Equal("de", await p.InputValueAsync("#language-select"));
        await s.CheckPageAsync("public-language-trust-de-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("public-language-trust-de-phone");

        await p.GotoAsync("/privacy/request");
        Assert.Equal("de", await p.GetAttributeAsync("html", "lang"));
        Assert.Equal("Eine Datenschutzanfrage stellen", (await p.InnerTextAsync("h1")).Trim());
        await p.FillAsync("#email", "greta.owner@example.com");
        await p.Locator("input[value='erasure']").CheckAsync();
        await p.FillAsync("#message", "Bitte löschen Sie meine alten Verträge.");
        await s.CheckPageAsync("public-language-privacy-request-de-phone");
        await p.SetViewportSizeAsync(1280, 900);
        await s.CheckPageAsync("public-language-privacy-request-de-desktop");
        await p.ClickAsync("#privacy-request-submit");
        await p.WaitForSelectorAsync("#privacy-request-sent");
        Assert.Contains("erhalten ihre Administratoren Ihre Anfrage", await p.InnerTextAsync("#privacy-request-sent"), StringComparison.Ordinal);
        Assert.Contains("greta.owner@example.com", await p.InnerTextAsync("#privacy-request-sent"), StringComparison.Ordinal);
        await s.CheckPageAsync("public-language-privacy-request-sent-de-desktop");

        var link = ConfirmLink().Match(Mails(app, "eu").Last(m => ConfirmLink().IsMatch(m))).Groups[1].Value;
        await p.GotoAsync($"/privacy/request/{link}");
        Assert.Equal("Ihre Datenschutzanfrage bestätigen", (await p.InnerTextAsync("h1")).Trim());
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("public-language-privacy-request-confirm-de-phone");
        await p.ClickAsync("#privacy-request-confirm-submit");
        await p.WaitForSelectorAsync("#privacy-request-confirmed");
        Assert.Contains("Das Gesetz gibt ihnen 30 Tage.", await p.InnerTextAsync("#privacy-request-confirmed"), StringComparison.Ordinal);
        await s.CheckPageAsync("public-language-privacy-request-confirmed-de-phone");
        s.AssertNoCspViolations();
    }

    [GeneratedRegex("/privacy/request/(sgq_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex ConfirmLink();
}
