using Sigill.Tests.Infrastructure;
using Sigill.Tests.Privacy;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The privacy notice a recipient reaches from the signing page: it names the sending organization (controller) and the
/// operator, runs no script, passes axe, and reads well on a phone (390 px) and a desktop (1280 px).
/// </summary>
public sealed class PrivacyNoticeBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task The_signing_page_links_a_notice_naming_the_sender_and_the_operator_on_phone_and_desktop()
    {
        await using var app = await SigillApp.StartAsync(RecordsOfProcessingTests.Config());
        var org = await app.SetUpOrganizationAsync("Notice Browser AB", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Offer 42", SamplePdf("offer"))).GetProperty("id").GetString()!;
        var ann = await AddRecipientAsync(sender, id, "Ann Reader", "ann@example.test");
        await AddFieldAsync(sender, id, ann, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        var link = LinkFor(app.DataDirectory, "eu", "ann@example.test");

        foreach (var mobile in new[] { true, false })
        {
            await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile);
            await s.Page.GotoAsync($"/s/{link}");
            await s.Page.ClickAsync("#privacy-notice-link a");
            await s.Page.WaitForSelectorAsync("#privacy-notice");
            Assert.Contains("Notice Browser AB", await s.Page.InnerTextAsync("#controller"), StringComparison.Ordinal);
            Assert.Contains("Heron Hosting AB", await s.Page.InnerTextAsync("#operator"), StringComparison.Ordinal);
            Assert.Equal("mailto:privacy@heron.example", await s.Page.GetAttributeAsync("#operator-contact", "href"));
            Assert.Equal(0, await s.Page.Locator("script:not([src*='local-times'])").CountAsync()); // only the layout's time formatter
            await s.CheckPageAsync(mobile ? "privacy-notice-390" : "privacy-notice-1280");
        }

        // Without a recipient session the notice still answers, in general terms.
        await using var stranger = await chromium.NewSessionAsync(app.WebUrl);
        await stranger.Page.GotoAsync("/privacy/notice");
        Assert.Contains("the organization that sent you the document", await stranger.Page.InnerTextAsync("#controller"), StringComparison.Ordinal);
    }
}
