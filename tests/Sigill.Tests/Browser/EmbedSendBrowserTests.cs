using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
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

    /// <summary>A point on <paramref name="page"/> (inside the frame) that the mouse can reach: below the frame's sticky palette and within both viewports.</summary>
    private static async Task<(float X, float Y)> DropPointAsync(Chromium.Session p, ILocator page)
    {
        var frame = (await p.Page.Locator("#sigill").BoundingBoxAsync())!;
        var box = (await page.BoundingBoxAsync())!;
        var top = Math.Max(box.Y, frame.Y + 140);
        var bottom = Math.Min(Math.Min(box.Y + box.Height, frame.Y + frame.Height), p.Page.ViewportSize!.Height) - 30;
        Assert.True(bottom > top + 40, $"page 1 is not visible in the frame: {top}..{bottom}");
        return (box.X + box.Width * 0.3f, (top + bottom) / 2);
    }

    private static async Task Eventually(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 100 && !await condition(); i++) await Task.Delay(100);
        Assert.True(await condition());
    }

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

        // The pages are drawn inside the frame (the PDF is fetched by a POST carrying the sealed session), and a
        // signature field is dragged from the palette onto page 1: placed at the API without a reload (a reload of
        // the one-time URL could not come back), and the send form appears in place of "has no field to sign yet".
        await frame.Locator("body[data-pages-rendered=true]").WaitForAsync(new() { Timeout = 60_000 });
        Assert.True(await frame.Locator("#signers-without-fields").IsVisibleAsync());
        Assert.False(await frame.Locator("#send-form").IsVisibleAsync());
        await p.ScreenshotAsync("embed-send-2-pages-drawn");
        var pageOne = frame.Locator(".page[data-page='1']");
        await pageOne.ScrollIntoViewIfNeededAsync();
        var target = await DropPointAsync(p, pageOne);
        var from = (await frame.Locator(".palette-item[data-kind=signature]").BoundingBoxAsync())!;
        await p.Page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
        await p.Page.Mouse.DownAsync();
        await p.Page.Mouse.MoveAsync(target.X, target.Y, new() { Steps = 8 });
        await p.Page.Mouse.UpAsync();
        await frame.Locator(".placed").WaitForAsync();
        await frame.Locator("#send-form").WaitForAsync();
        Assert.True(await frame.Locator("#signers-without-fields").IsHiddenAsync());
        var fields = (await OkJsonAsync(await org.Token.GetAsync($"/api/v1/documents/{draft}"))).GetProperty("fields");
        var placed = Assert.Single(fields.EnumerateArray());
        Assert.Equal("signature", placed.GetProperty("kind").GetString());
        Assert.Equal(1, placed.GetProperty("page").GetInt32());
        var y = placed.GetProperty("y").GetDouble();

        // Dragged lower: moved at the API, still one field.
        var box = (await frame.Locator(".placed").BoundingBoxAsync())!;
        await p.Page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2);
        await p.Page.Mouse.DownAsync();
        await p.Page.Mouse.MoveAsync(box.X + box.Width / 2, box.Y + box.Height / 2 + 60, new() { Steps = 6 });
        await p.Page.Mouse.UpAsync();
        await Eventually(async () =>
        {
            var moved = Assert.Single((await OkJsonAsync(await org.Token.GetAsync($"/api/v1/documents/{draft}"))).GetProperty("fields").EnumerateArray());
            return moved.GetProperty("y").GetDouble() > y + 20;
        });
        Assert.Equal(1, await frame.Locator(".placed").CountAsync());
        await p.ScreenshotAsync("embed-send-2-ready-to-send");

        // A dropdown dropped on the page: the page comes back (posted again with the session: the one-time URL cannot be
        // reloaded) with the field's settings editor, and its options are set in the frame.
        await pageOne.ScrollIntoViewIfNeededAsync();
        target = await DropPointAsync(p, pageOne);
        from = (await frame.Locator(".palette-item[data-kind=dropdown]").BoundingBoxAsync())!;
        await p.Page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
        await p.Page.Mouse.DownAsync();
        await p.Page.Mouse.MoveAsync(target.X, target.Y, new() { Steps = 8 });
        await p.Page.Mouse.UpAsync();
        var settings = frame.Locator(".field-settings");
        await settings.WaitForAsync(new() { Timeout = 60_000 });
        await frame.Locator("body[data-pages-rendered=true]").WaitForAsync(new() { Timeout = 60_000 });
        Assert.Equal(2, await frame.Locator(".placed").CountAsync());
        await settings.Locator("summary").ClickAsync();
        await settings.Locator("textarea[name=Options]").FillAsync("Small\nMedium\nLarge");
        await settings.Locator("textarea[name=Options]").ScrollIntoViewIfNeededAsync();
        await p.ScreenshotAsync("embed-send-2-field-settings");
        await settings.Locator("button[type=submit]").ClickAsync();
        await Eventually(async () =>
        {
            var dropdown = (await OkJsonAsync(await org.Token.GetAsync($"/api/v1/documents/{draft}"))).GetProperty("fields").EnumerateArray().Single(f => f.GetProperty("kind").GetString() == "dropdown");
            return dropdown.GetProperty("settings").GetProperty("options").GetArrayLength() == 3;
        });
        await frame.Locator("#send-form").WaitForAsync();
        await frame.Locator("body[data-pages-rendered=true]").WaitForAsync(new() { Timeout = 60_000 });
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
