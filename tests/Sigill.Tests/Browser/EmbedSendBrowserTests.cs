using System.Net;
using System.Net.Http.Json;
using Sigill.Tests.Embedding;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Embedded sending in Chromium across origins: an integrator's page on a second local origin frames the sending URL for
/// one of its members; inside the frame the member adds a recipient, places a signature field (the form) and sends, with
/// no cookie (third-party cookies play no part); the page hears <c>loaded</c> then <c>sent</c>, the document is sent at
/// the API and the recipient's invitation is in the outbox.
/// </summary>
public sealed class EmbedSendBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    private static async Task<string[]> EventsAsync(Chromium.Session p) => [.. await p.Page.Locator("#events li").AllInnerTextsAsync()];

    [Fact]
    public async Task A_registered_origin_frames_the_draft_page_and_its_member_prepares_and_sends_it()
    {
        await using var app = await SigillApp.StartAsync();
        var sigillOrigin = $"{app.WebUrl.Scheme}://{app.WebUrl.Authority}";
        await using var site = new EmbedBrowserTests.IntegratorSite(sigillOrigin);
        var org = await EmbedSendTests.OrgAsync(app, "Acme Embedded Sending", "eu", site.Origin);
        using var owned = org.Token;
        var (memberId, _) = await EmbedSendTests.MemberAsync(app, "eu", org.OrganizationId, "member");
        var draft = await EmbedSendTests.DraftAsync(org.Token, "Framed services agreement");
        async Task<string> UrlAsync(string id) =>
            (await PostOkAsync(org.Token, $"/api/v1/documents/{id}/embed-send-url", new { origin = site.Origin, userId = memberId })).GetProperty("url").GetString()!;

        site.FrameUrl = await UrlAsync(draft);
        Assert.StartsWith(sigillOrigin + "/e/send/sge_eu_", site.FrameUrl, StringComparison.Ordinal);
        await using var p = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        await p.Page.GotoAsync(site.Origin + "/");
        var frame = p.Page.FrameLocator("#sigill");
        await frame.Locator("#recipient-form").WaitForAsync();
        await p.Page.Locator("#events li").First.WaitForAsync();
        Assert.Equal(["loaded"], await EventsAsync(p));
        Assert.Equal(draft, await p.Page.Locator("#events li").First.GetAttributeAsync("data-document-id"));
        await p.ScreenshotAsync("embed-send-1-framed-draft");

        var email = $"sven-{Guid.NewGuid():N}@example.test";
        await frame.Locator("#r-name").FillAsync("Sven Signer");
        await frame.Locator("#r-email").FillAsync(email);
        await frame.Locator("#add-recipient-submit").ClickAsync();
        await frame.Locator("#field-form").WaitForAsync();
        await frame.Locator("#f-kind").SelectOptionAsync("signature");
        await frame.Locator("#f-y").FillAsync("600");
        await frame.Locator("#add-field-submit").ClickAsync();
        await frame.Locator("#send-form").WaitForAsync();
        await p.ScreenshotAsync("embed-send-2-ready-to-send");
        await frame.Locator("#s-message").FillAsync("Sent from the embedded page");
        await frame.Locator("#send-submit").ClickAsync();
        await frame.Locator("#sent, #error").First.WaitForAsync(new() { Timeout = 60_000 });
        Assert.True(await frame.Locator("#sent").IsVisibleAsync(), await frame.Locator("main").InnerTextAsync());
        await p.Page.Locator("#events li", new() { HasText = "sent" }).WaitForAsync();
        var events = await EventsAsync(p);
        Assert.Equal("loaded", events[0]);
        Assert.Equal(["loaded", "sent"], events[^2..]);
        Assert.DoesNotContain(events, e => e.StartsWith("error", StringComparison.Ordinal));
        await p.ScreenshotAsync("embed-send-3-sent");
        Assert.DoesNotContain(p.Console, m => m.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(p.Console, m => m.StartsWith("pageerror:", StringComparison.Ordinal));
        Assert.Empty(await p.Page.Context.CookiesAsync([sigillOrigin])); // nothing was kept in a cookie

        var sent = await OkJsonAsync(await org.Token.GetAsync($"/api/v1/documents/{draft}"));
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(LinkFor(app.DataDirectory, "eu", email))); // the invitation e-mail is in the outbox

        // On a phone: the framed page at 390 px.
        var second = await EmbedSendTests.DraftAsync(org.Token, "Phone draft");
        await AddRecipientAsync(org.Token, second, "Pia Phone", $"pia-{Guid.NewGuid():N}@example.test");
        site.FrameUrl = await UrlAsync(second);
        await using var phone = await chromium.NewSessionAsync(app.WebUrl);
        await phone.Page.GotoAsync(site.Origin + "/");
        await phone.Page.FrameLocator("#sigill").Locator("#field-form").WaitForAsync();
        await phone.ScreenshotAsync("embed-send-4-framed-phone");
        // The page itself on a phone, opened directly (same markup): the usual checks (axe).
        var direct = await UrlAsync(second);
        await using var alone = await chromium.NewSessionAsync(app.WebUrl);
        await alone.Page.GotoAsync(direct);
        await alone.Page.WaitForSelectorAsync("#field-form");
        await alone.CheckPageAsync("embed-send-5-phone");
    }
}
