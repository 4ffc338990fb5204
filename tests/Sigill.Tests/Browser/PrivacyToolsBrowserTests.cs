using System.Net;
using System.Text.Json;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.Privacy;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The admin's privacy page in Chromium (issue 18): an owner signs up accepting the data processing agreement, then on
/// <c>/organization/privacy</c> finds a recipient, exports their data (the download link gives the ZIP), sets a legal
/// hold, is refused the erasure with the hold's reason, releases the hold and erases. Accessible (axe) at desktop and
/// phone width, no script, no CSP violation.
/// </summary>
public sealed class PrivacyToolsBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_admin_finds_exports_holds_and_erases_a_recipient_on_the_privacy_page()
    {
        await using var app = await SigillApp.StartAsync(DpaTests.Config());
        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var p = s.Page;

        // Sign-up asks for the agreement: without the box ticked the browser will not send the form.
        await p.GotoAsync("/sign-up");
        Assert.Contains("version 2026-12", await p.InnerTextAsync("#dpa-accept"), StringComparison.Ordinal);
        await s.CheckPageAsync("20-sign-up-dpa-desktop");
        await s.SignUpAsync(app, "Paula Owner", "paula@example.com", "Privacy Tools AB", "eu");

        // A recipient on a document, through the API as the owner.
        using var signIn = await SignInAsync(app, "paula@example.com", Password, "eu");
        var session = (await JsonAsync(signIn)).GetProperty("session").GetString()!;
        using var owner = app.Web(session);
        var doc = (await UploadOkAsync(owner, "Lease of Quokka Lane", SamplePdf("lease"))).GetProperty("id").GetString()!;
        await AddRecipientAsync(owner, doc, "Ada Lovelace", "ada@example.com");

        await p.GotoAsync("/organization");
        await p.ClickAsync("#link-privacy");
        await p.WaitForSelectorAsync("#privacy-search");
        await SearchAsync(p, "ada@example.com");
        Assert.Contains("Lease of Quokka Lane", await p.InnerTextAsync("#found-recipients"), StringComparison.Ordinal);
        Assert.Contains("1 document entry", await p.InnerTextAsync("#found-summary"), StringComparison.Ordinal);
        await s.CheckPageAsync("20-privacy-found-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("20-privacy-found-phone");
        await p.SetViewportSizeAsync(1280, 900);

        // By name, too.
        await p.CheckAsync("#by-name");
        await p.FillAsync("#query", "ada lovelace");
        await p.ClickAsync("#search");
        await p.WaitForSelectorAsync("#found-recipients");

        // Export: the link downloads the package.
        await p.ClickAsync("#privacy-found .export");
        await p.WaitForSelectorAsync("#export-download");
        var href = await p.GetAttributeAsync("#export-download", "href");
        var zip = await p.Context.APIRequest.GetAsync(href!);
        Assert.Equal(200, zip.Status);
        Assert.Equal("application/zip", zip.Headers["content-type"]);
        var bytes = await zip.BodyAsync();
        Assert.True(bytes.Length > 100 && bytes[0] == (byte)'P' && bytes[1] == (byte)'K', "the export is a ZIP");
        await s.CheckPageAsync("20-privacy-export-desktop");

        // A legal hold on the person stops the erasure, and the page says why and until when.
        await p.FillAsync("#hold-email", "ada@example.com");
        await p.FillAsync("#hold-reason", "Court case 12/2026 about the lease");
        await p.ClickAsync("#set-hold");
        await p.WaitForSelectorAsync("#holds .hold");
        await SearchAsync(p, "ada@example.com");
        await p.ClickAsync("#privacy-found .erase");
        await p.WaitForSelectorAsync("#privacy-confirm");
        await s.CheckPageAsync("20-privacy-confirm-desktop");
        await p.ClickAsync("#confirm-erase");
        await p.WaitForSelectorAsync("#erase-refused");
        var refusal = await p.InnerTextAsync("#erase-refused");
        Assert.Contains("Nothing was erased", refusal, StringComparison.Ordinal);
        Assert.Contains("Court case 12/2026 about the lease", refusal, StringComparison.Ordinal);
        Assert.Contains("until the hold is released", refusal, StringComparison.Ordinal);
        await s.CheckPageAsync("20-privacy-refused-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("20-privacy-refused-phone");
        Assert.True(await p.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390, "the page is wider than a 390-px phone"); // long ids wrap
        await p.SetViewportSizeAsync(1280, 900);

        // Released, the erasure goes through.
        await p.ClickAsync("#holds .release");
        await p.WaitForSelectorAsync("#notice");
        Assert.Contains("released", await p.InnerTextAsync("#holds"), StringComparison.Ordinal);
        await SearchAsync(p, "ada@example.com");
        await p.ClickAsync("#privacy-found .erase");
        await p.ClickAsync("#confirm-erase");
        await p.WaitForSelectorAsync("#erased");
        Assert.Contains("Erased 1 document", await p.InnerTextAsync("#erased"), StringComparison.Ordinal);
        await s.CheckPageAsync("20-privacy-erased-desktop");
        await p.SetViewportSizeAsync(390, 844);
        await s.CheckPageAsync("20-privacy-erased-phone");
        Assert.True(await p.EvaluateAsync<int>("document.documentElement.scrollWidth") <= 390, "the page is wider than a 390-px phone"); // long ids wrap
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/api/v1/documents/{doc}")).StatusCode);
        s.AssertNoCspViolations();
    }

    private static async Task SearchAsync(Microsoft.Playwright.IPage p, string email)
    {
        await p.CheckAsync("#by-email");
        await p.FillAsync("#query", email);
        await p.ClickAsync("#search");
        await p.WaitForSelectorAsync("#privacy-found");
    }
}
