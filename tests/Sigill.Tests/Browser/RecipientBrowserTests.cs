using System.Text.Json;
using Microsoft.Playwright;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The recipient's experience in Debian's Chromium against the real hosts on loopback: documents are made
/// through the public API with an API token, each recipient opens the link from the outbox (.eml). Every main
/// page gets a screenshot, an axe-core run (no serious or critical violations) and a check for CSP violations.
/// </summary>
public sealed class RecipientBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task Two_signers_sign_in_the_browser_one_drawn_one_by_keyboard_and_the_downloaded_pdf_is_sealed()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Browser", "eu");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Service agreement Heron-5512", SamplePdf("Browser-clause-2718", pages: 2))).GetProperty("id").GetString()!;
        var ann = await AddRecipientAsync(sender, id, "Ann Drawer", "ann@example.test");
        var bo = await AddRecipientAsync(sender, id, "Bo Keyboard", "bo@example.test");
        await AddFieldAsync(sender, id, ann, "signature", 100);
        var annText = await AddFieldAsync(sender, id, ann, "text", 160);
        var boDate = await AddFieldAsync(sender, id, bo, "date", 200, page: 2);
        var boBox = await AddFieldAsync(sender, id, bo, "checkbox", 260, page: 2);
        await AddFieldAsync(sender, id, bo, "signature", 320, page: 2);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });

        // Ann signs with the mouse: consent, the guided field, a drawn signature.
        var annLink = LinkFor(app.DataDirectory, "eu", "ann@example.test");
        await using (var a = await chromium.NewSessionAsync(app.WebUrl))
        {
            var first = await a.Page.GotoAsync($"/s/{annLink}");
            Assert.Equal(new Uri(app.WebUrl, "/s").ToString(), a.Page.Url); // the token has left the address bar
            Assert.Contains("'nonce-", first!.Headers["content-security-policy"], StringComparison.Ordinal);
            Assert.Contains("Service agreement Heron-5512", await a.Page.InnerTextAsync("h1"), StringComparison.Ordinal);
            await a.CheckPageAsync("recipient-1-consent");

            await a.Page.ClickAsync("#agree");
            await a.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            Assert.Equal(2, await a.Page.Locator(".page canvas").CountAsync());
            Assert.True(await a.Page.EvaluateAsync<bool>("() => [...document.querySelectorAll('.page canvas')].every(c => c.width > 300)"));
            Assert.Equal("1 required field left.", await a.Page.InnerTextAsync("#guide-status"));
            await a.CheckPageAsync("recipient-2-sign");

            await a.Page.ClickAsync("#next-field");
            Assert.Equal($"field-{annText}", await a.Page.EvaluateAsync<string>("() => document.activeElement.id"));
            await a.Page.Keyboard.TypeAsync("Heron-answer-1618");
            Assert.Equal("All required fields are filled in.", await a.Page.InnerTextAsync("#guide-status"));
            await a.Page.CheckAsync("#mode-draw");
            var pad = (await a.Page.Locator("#signature-pad").BoundingBoxAsync())!;
            await a.Page.Mouse.MoveAsync(pad.X + 20, pad.Y + pad.Height / 2);
            await a.Page.Mouse.DownAsync();
            for (var i = 1; i <= 12; i++) await a.Page.Mouse.MoveAsync(pad.X + 20 + i * 20, pad.Y + pad.Height / 2 + (i % 2 == 0 ? -25 : 25));
            await a.Page.Mouse.UpAsync();
            await a.Page.ClickAsync("#sign");
            await a.Page.WaitForSelectorAsync("#signed");
            await a.CheckPageAsync("recipient-3-signed");
        }

        // Bo uses only the keyboard and the typed signature, then downloads the sealed PDF.
        var boLink = LinkFor(app.DataDirectory, "eu", "bo@example.test");
        byte[] downloaded;
        await using (var b = await chromium.NewSessionAsync(app.WebUrl, mobile: false))
        {
            await b.Page.GotoAsync($"/s/{boLink}");
            await TabToAsync(b.Page, "#agree");
            await b.Page.Keyboard.PressAsync("Enter");
            await b.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            await TabToAsync(b.Page, "#next-field");
            await b.Page.Keyboard.PressAsync("Enter");
            Assert.Equal($"field-{boDate}", await b.Page.EvaluateAsync<string>("() => document.activeElement.id"));
            await b.Page.Keyboard.TypeAsync("03152026"); // mm dd yyyy in an en-US date input
            await TabToAsync(b.Page, "#next-field");
            await b.Page.Keyboard.PressAsync("Enter");
            Assert.Equal($"field-{boBox}", await b.Page.EvaluateAsync<string>("() => document.activeElement.id"));
            await b.Page.Keyboard.PressAsync("Space");
            await TabToAsync(b.Page, "#typed-name");
            await b.Page.Keyboard.PressAsync("Control+A");
            await b.Page.Keyboard.TypeAsync("Bo Keyboard");
            await TabToAsync(b.Page, "#sign");
            await b.Page.Keyboard.PressAsync("Enter");
            await b.Page.WaitForSelectorAsync("#signed");
            Assert.Contains("sealed", await b.Page.InnerTextAsync("#download"), StringComparison.Ordinal);
            await TabToAsync(b.Page, "#download");
            var download = await b.Page.RunAndWaitForDownloadAsync(() => b.Page.Keyboard.PressAsync("Enter"));
            using var stream = new MemoryStream();
            await (await download.CreateReadStreamAsync()).CopyToAsync(stream);
            downloaded = stream.ToArray();
            b.AssertNoCspViolations();
        }

        // The download is the sealed document the sender gets, and pdfsig accepts every signature.
        using (var sealedResponse = await sender.GetAsync($"/api/v1/documents/{id}/sealed.pdf"))
        {
            Assert.Equal(await sealedResponse.Content.ReadAsByteArrayAsync(), downloaded);
        }
        var file = Path.Combine(Chromium.ScreenshotDirectory, "sealed-from-browser.pdf");
        await File.WriteAllBytesAsync(file, downloaded);
        var (_, pdfsig) = Run("pdfsig", file);
        Assert.Equal(3, CountOf(pdfsig, "Signature is Valid.")); // Ann, Bo and the seal
        Assert.Equal(0, CountOf(pdfsig, "Signature is Invalid"));
        Assert.Equal(1, CountOf(pdfsig, "Total document signed"));
        var (_, text) = Run("pdftotext", file, "-"); // the certificate of completion names how each signed
        Assert.Contains("drawn signature", text, StringComparison.Ordinal);
        Assert.Contains("typed signature", text, StringComparison.Ordinal);
        var doc = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        Assert.Equal("completed", doc.GetProperty("status").GetString());
        var values = doc.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("id").GetString()!, f => f.GetProperty("value").GetString());
        Assert.Equal("Heron-answer-1618", values[annText]);
        Assert.Equal("2026-03-15", values[boDate]);
        Assert.Equal("true", values[boBox]);

        // After completion, the link opened in another browser shows nothing of the document.
        await using var other = await chromium.NewSessionAsync(app.WebUrl);
        var again = await other.Page.GotoAsync($"/s/{annLink}");
        Assert.Equal(404, again!.Status);
        Assert.True(await other.Page.IsVisibleAsync("#inactive"));
        var html = await other.Page.ContentAsync();
        Assert.DoesNotContain("Heron", html, StringComparison.Ordinal);
        Assert.DoesNotContain("Ann Drawer", html, StringComparison.Ordinal);
        var pdf = await other.Page.APIRequest.GetAsync("/s/document.pdf");
        Assert.Equal(404, pdf.Status);
        await other.CheckPageAsync("recipient-4-link-not-active");
    }

    [Fact]
    public async Task A_recipient_declines_with_a_reason_and_the_sender_sees_it()
    {
        await using var app = await SigillApp.StartAsync();
        var org = await app.SetUpOrganizationAsync("Acme Decline", "us");
        using var sender = app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Offer Kestrel-77", SamplePdf("Offer text"))).GetProperty("id").GetString()!;
        var cy = await AddRecipientAsync(sender, id, "Cy Decliner", "cy@example.test");
        await AddFieldAsync(sender, id, cy, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign", expiresInDays = 7 });

        await using var c = await chromium.NewSessionAsync(app.WebUrl);
        await c.Page.GotoAsync($"/s/{LinkFor(app.DataDirectory, "us", "cy@example.test")}");
        await c.Page.ClickAsync("#agree");
        await c.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        await c.Page.ClickAsync("#decline summary");
        Assert.True(await c.Page.EvaluateAsync<bool>("() => document.getElementById('reason').validity.valueMissing")); // a reason is required
        await c.Page.FillAsync("#reason", "The price in section 3 is wrong.");
        await c.CheckPageAsync("recipient-decline-form");
        await c.Page.ClickAsync("#decline-submit");
        await c.Page.WaitForSelectorAsync("#declined");
        await c.CheckPageAsync("recipient-declined");

        var doc = await OkJsonAsync(await sender.GetAsync($"/api/v1/documents/{id}"));
        Assert.Equal("declined", doc.GetProperty("status").GetString());
        Assert.Equal("The price in section 3 is wrong.", doc.GetProperty("declineReason").GetString());
    }

    /// <summary>Presses Tab until <paramref name="selector"/> has the focus: proves it is reachable by keyboard.</summary>
    private static async Task TabToAsync(IPage page, string selector)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await page.EvaluateAsync<bool>("s => document.activeElement?.matches(s) ?? false", selector)) return;
            await page.Keyboard.PressAsync("Tab");
        }
        Assert.Fail($"{selector} cannot be reached with the Tab key");
    }
}
