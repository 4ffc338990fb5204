using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The main journey, in Debian's Chromium against the real hosts, using nothing but the pages and the e-mails the SMTP
/// sink received: a new person signs up (verifying the address from the e-mail), writes a template from the starter
/// text, creates a document from it with a pricing line, adds two signers and a copy recipient after them, drags the
/// signers' fields onto the page (and moves one), sends it from the send dialog; each signer opens the link from their
/// e-mail and signs; the copy recipient hears nothing until the end; everyone, the sender included, gets the sealed PDF
/// by e-mail, the same bytes the sender downloads, which pdfsig verifies. A duplicate is sent and voided, and only the
/// recipient whose link died is told.
/// </summary>
public sealed partial class SenderJourneyBrowserTests(Chromium chromium) : IClassFixture<Chromium>
{
    [GeneratedRegex(@"/s/(sgr_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex SigningLink();

    [GeneratedRegex(@"/sign-up/(sgv_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex SignUpLink();

    [GeneratedRegex(@"/reset-password/(sgp_[a-z]+_[0-9a-z]{26}_[0-9a-z]{52})")]
    private static partial Regex ResetLink();

    /// <summary>The newest link of <paramref name="pattern"/> in the e-mails the sink holds for <paramref name="address"/>.</summary>
    private static string LinkIn(string address, Regex pattern) =>
        Outbox.To(Outbox.SmtpSink, address).Select(m => pattern.Match(m.Text)).Last(m => m.Success).Groups[1].Value;

    [Fact]
    public async Task A_new_sender_takes_a_document_from_nothing_to_a_sealed_pdf_that_reaches_everyone_by_email()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var (siv, ann, bo, cid) = ($"siv.{run}@example.com", $"ann.{run}@example.test", $"bo.{run}@example.test", $"cid.{run}@example.test");
        var sink = Outbox.SmtpSink;
        await using var app = await SigillApp.StartAsync(JsonSerializer.Serialize(new { Mail = Outbox.SmtpSettings }));
        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: false);
        var page = s.Page;
        await page.SetViewportSizeAsync(1280, 2000); // the palette and a whole page in view while dragging

        await page.GotoAsync("/");
        await page.ClickAsync("#sign-up-link");
        await page.FillAsync("#name", "Siv Sender");
        await page.FillAsync("#email", siv);
        await page.FillAsync("#password", "a sturdy passphrase 42");
        await page.FillAsync("#organization", "Sender Journey AB");
        await page.SelectOptionAsync("#region", "eu");
        await page.ClickAsync("#sign-up-submit");
        await page.WaitForSelectorAsync("#sign-up-sent");
        await Outbox.WaitForAsync(sink, siv, "Finish signing up");
        await page.GotoAsync("/sign-up/" + LinkIn(siv, SignUpLink()));
        await page.ClickAsync("#sign-up-verify-submit");
        await page.WaitForSelectorAsync("#get-started");

        // The new password is forgotten at once: signed out, "Forgot your password?", the e-mailed link, a new one.
        await page.ClickAsync("#sign-out");
        await page.GotoAsync("/documents/new");
        Assert.EndsWith("/sign-in?next=%2Fdocuments%2Fnew", page.Url, StringComparison.Ordinal);
        await s.CheckPageAsync("sender-0a-sign-in");
        await page.ClickAsync("#forgot-password-link");
        await page.FillAsync("#email", siv);
        await page.ClickAsync("#forgot-password-submit");
        await page.WaitForSelectorAsync("#reset-sent");
        await s.CheckPageAsync("sender-0b-reset-sent");
        await Outbox.WaitForAsync(sink, siv, "Choose a new Sigill password");
        await page.GotoAsync("/reset-password/" + LinkIn(siv, ResetLink()));
        await s.CheckPageAsync("sender-0c-reset");
        await page.FillAsync("#new-password", "a newer passphrase 43");
        await page.ClickAsync("#reset-password-submit");
        await page.WaitForSelectorAsync("#reset-done");
        await s.CheckPageAsync("sender-0d-reset-done");
        await Outbox.WaitForAsync(sink, siv, "Your Sigill password was changed");
        // Signing in with it lands on the page that was asked for before.
        await page.GotoAsync("/documents/new");
        await page.FillAsync("#email", siv);
        await page.FillAsync("#password", "a newer passphrase 43");
        await page.ClickAsync("#sign-in-submit");
        await page.WaitForURLAsync("**/documents/new");
        await page.GotoAsync("/account");
        await page.WaitForSelectorAsync("#get-started");

        // No templates yet: the new-document page points to writing one, which starts from a working example.
        await page.ClickAsync("#start-document");
        await page.WaitForSelectorAsync("#write-template");
        await s.CheckPageAsync("sender-1-new-document");
        await page.ClickAsync("#write-template");
        Assert.Contains("{{ pricing_table }}", await page.InputValueAsync("#body"), StringComparison.Ordinal);
        await s.CheckPageAsync("sender-2-template");
        await page.FillAsync("#name", "Proposal Falcon");
        await page.ClickAsync("#save-template");
        await page.WaitForSelectorAsync("#saved");
        var templatePath = new Uri(page.Url).AbsolutePath;
        var preview = await page.APIRequest.GetAsync($"{templatePath}?handler=Preview");
        Assert.Equal("application/pdf", preview.Headers["content-type"]);
        await page.GotoAsync("/templates");
        Assert.Contains("Proposal Falcon", await page.InnerTextAsync("#templates"), StringComparison.Ordinal);
        await s.CheckPageAsync("sender-3-templates");

        await page.GotoAsync(templatePath);
        await page.ClickAsync("#use-template");
        await page.FillAsync("#title", "Proposal Falcon-4471");
        await page.FillAsync("#var-client", "Nordlicht GmbH");
        await page.FillAsync("#var-scope", "Falcon-scope-2718 with å ä ö ß €");
        await page.FillAsync("#line-0-description", "Design work");
        await page.FillAsync("#line-0-quantity", "3");
        await page.FillAsync("#line-0-price", "1250.50");
        await page.FillAsync("#line-0-tax", "19");
        await s.CheckPageAsync("sender-4-from-template");
        await page.ClickAsync("#create-from-template");
        await page.WaitForSelectorAsync("#document-title");
        var documentPath = new Uri(page.Url).AbsolutePath;
        Assert.Equal("Draft", await page.InnerTextAsync("#document-status"));

        await AddRecipientAsync(page, "Ann Early", ann);
        await AddRecipientAsync(page, "Bo Later", bo);
        await AddRecipientAsync(page, "Cid Copy", cid, "cc");
        await page.WaitForSelectorAsync("body[data-pages-rendered=true]");

        // Drag fields from the palette onto page 1: Ann's signature and text field, Bo's signature.
        var first = (await page.Locator(".page[data-page='1']").BoundingBoxAsync())!;
        await page.SelectOptionAsync("#place-recipient", new SelectOptionValue { Label = "Ann Early" });
        await DragAsync(page, ".palette-item[data-kind=signature]", first.X + first.Width * 0.3f, first.Y + first.Height * 0.6f, 1);
        await DragAsync(page, ".palette-item[data-kind=text]", first.X + first.Width * 0.3f, first.Y + first.Height * 0.7f, 2);
        // The send section follows the drops without a reload: Bo still has no field, so no send button yet.
        Assert.Equal("Bo Later has no field to sign yet. Place at least one field for every signer (or make them an approver) before sending.",
            await page.InnerTextAsync("#signers-without-fields"));
        Assert.False(await page.IsVisibleAsync("#open-send"));
        await page.SelectOptionAsync("#place-recipient", new SelectOptionValue { Label = "Bo Later" });
        await DragAsync(page, ".palette-item[data-kind=signature]", first.X + first.Width * 0.7f, first.Y + first.Height * 0.6f, 3);
        await page.WaitForSelectorAsync("#open-send");
        Assert.False(await page.IsVisibleAsync("#signers-without-fields"));

        // Move Bo's signature lower: it is placed again where it was dropped, and nothing is left at the old spot.
        var boField = page.Locator(".placed", new() { HasText = "Bo Later" });
        var before = double.Parse((await boField.GetAttributeAsync("data-y"))!, System.Globalization.CultureInfo.InvariantCulture);
        var boBox = (await boField.BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(boBox.X + boBox.Width / 2, boBox.Y + boBox.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(boBox.X + boBox.Width / 2, boBox.Y + boBox.Height / 2 + first.Height * 0.15f, new() { Steps = 6 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("y => Number(document.querySelector('.placed.r1')?.dataset.y) > y + 50", before);
        Assert.Equal(3, await page.Locator(".placed").CountAsync());
        Assert.Equal(3, await page.Locator("#field-list li").CountAsync());
        await s.CheckPageAsync("sender-5-fields-placed");

        // After a reload the page shows what the API holds: the three fields where they were put.
        await page.ReloadAsync();
        await page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        Assert.Equal(3, await page.Locator(".placed").CountAsync());
        Assert.True(double.Parse((await boField.GetAttributeAsync("data-y"))!, System.Globalization.CultureInfo.InvariantCulture) > before + 50);

        await page.ClickAsync("#open-send");
        await page.WaitForSelectorAsync("#send-dialog[open]");
        await page.FillAsync("#s-message", "Please sign the proposal.");
        await s.CheckPageAsync("sender-6-send-dialog");
        await page.ClickAsync("#send-submit");
        await page.WaitForSelectorAsync("#timeline");
        Assert.Equal("Out for signature", await page.InnerTextAsync("#document-status"));
        await s.CheckPageAsync("sender-7-sent");

        // Each signer opens the link from their e-mail, in their own browser; the copy recipient, placed after them, waits.
        await Outbox.WaitForAsync(sink, ann, "Please sign");
        Assert.Empty(Outbox.To(sink, bo));
        Assert.Empty(Outbox.To(sink, cid));
        foreach (var (name, email) in new[] { ("Ann Early", ann), ("Bo Later", bo) })
        {
            await Outbox.WaitForAsync(sink, email, "Please sign");
            Assert.Empty(Outbox.To(sink, cid));
            await using var r = await chromium.NewSessionAsync(app.WebUrl);
            await r.Page.GotoAsync($"/s/{LinkIn(email, SigningLink())}");
            await r.Page.ClickAsync("#agree");
            await r.Page.WaitForSelectorAsync("body[data-pages-rendered=true]");
            foreach (var input in await r.Page.Locator("input[data-field]").AllAsync()) await input.FillAsync($"{name} was here");
            Assert.Equal(name, await r.Page.InputValueAsync("#typed-name"));
            await r.Page.ClickAsync("#sign");
            await r.Page.WaitForSelectorAsync("#signed");
            r.AssertNoCspViolations();
        }

        await page.GotoAsync(documentPath);
        await page.WaitForSelectorAsync("body[data-pages-rendered=true]");
        Assert.Equal("Completed", await page.InnerTextAsync("#document-status"));
        // The placement stays in sight, locked: where each field was, over what the signed PDF now shows in it.
        Assert.Equal(3, await page.Locator(".placed.locked").CountAsync());
        var timeline = await page.InnerTextAsync("#timeline");
        // Who did what, in words, with each line's audit reference ([action, event id]) beside it.
        foreach (var expected in new[] { "Siv Sender: Created", "Siv Sender: Sent for signing", "Ann Early: Opened the document", "Ann Early: Signed",
            "Bo Later: Signed", "Sigill: Completed and sealed [document.completed, aev_" })
        {
            Assert.Contains(expected, timeline, StringComparison.Ordinal);
        }
        await s.CheckPageAsync("sender-8-completed");
        var download = await page.RunAndWaitForDownloadAsync(() => page.ClickAsync("#download-sealed"));
        Assert.Equal("Proposal Falcon-4471 - signed.pdf", download.SuggestedFilename);
        var file = Path.Combine(Chromium.ScreenshotDirectory, "sealed-from-sender.pdf");
        await download.SaveAsAsync(file);

        // All four parties and the sender get the completion e-mail with exactly those bytes attached.
        var sealedBytes = await File.ReadAllBytesAsync(file);
        foreach (var address in new[] { ann, bo, cid, siv })
        {
            var completed = await Outbox.WaitForAsync(sink, address, "Completed: “Proposal Falcon-4471”");
            Assert.Equal(sealedBytes, Outbox.PdfAttachment(completed));
            Assert.Contains("Siv Sender", completed.From.Mailboxes.Single().Name, StringComparison.Ordinal);
        }
        Assert.Single(Outbox.To(sink, cid)); // nothing before their turn: the completion e-mail is their first
        var (_, pdfsig) = Run("pdfsig", file);
        Assert.Equal(3, CountOf(pdfsig, "Signature is Valid.")); // Ann, Bo and the seal
        Assert.Equal(0, CountOf(pdfsig, "Signature is Invalid"));
        Assert.Equal(1, CountOf(pdfsig, "Total document signed"));
        var (_, text) = Run("pdftotext", file, "-");
        Assert.Contains("Nordlicht GmbH", text, StringComparison.Ordinal);
        Assert.Contains("Falcon-scope-2718 with å ä ö ß €", text, StringComparison.Ordinal);
        Assert.Contains("Ann Early was here", text, StringComparison.Ordinal);
        Assert.Contains("Design work", text, StringComparison.Ordinal);

        await page.GotoAsync("/documents?status=completed");
        Assert.Contains("Proposal Falcon-4471", await page.InnerTextAsync("#documents"), StringComparison.Ordinal);
        await s.CheckPageAsync("sender-9-documents");

        // A duplicate goes out again and is voided: Ann, whose link dies, is told why; Bo and Cid never had a link.
        await page.GotoAsync(documentPath);
        await page.ClickAsync("#duplicate");
        await page.WaitForSelectorAsync("#open-send");
        Assert.Equal("Copy of Proposal Falcon-4471", await page.InnerTextAsync("#document-title"));
        await page.ClickAsync("#open-send");
        await page.ClickAsync("#send-submit");
        await page.WaitForSelectorAsync("#open-void");
        await Outbox.WaitForAsync(sink, ann, "Please sign “Copy of");
        await page.ClickAsync("#open-void");
        await page.WaitForSelectorAsync("#void-dialog[open]");
        await page.FillAsync("#void-reason", "The price changed; a new proposal follows.");
        await s.CheckPageAsync("sender-10-void-dialog");
        await page.ClickAsync("#void-submit");
        await page.WaitForSelectorAsync("#document-status:has-text('Voided')");
        var voided = await Outbox.WaitForAsync(sink, ann, "Voided: “Copy of Proposal Falcon-4471”");
        Assert.Contains("The price changed; a new proposal follows.", voided.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(Outbox.To(sink, bo), m => (m.Subject ?? "").StartsWith("Voided", StringComparison.Ordinal));
        Assert.DoesNotContain(Outbox.To(sink, cid), m => (m.Subject ?? "").StartsWith("Voided", StringComparison.Ordinal));
        await s.CheckPageAsync("sender-11-voided");
        await page.GotoAsync("/documents?q=no-such-title");
        Assert.True(await page.IsVisibleAsync("#empty"));

        // The sender's pages on a 390-px phone: accessible, and nothing wider than the screen (wide tables scroll in their card).
        await page.SetViewportSizeAsync(390, 844);
        foreach (var (path, name) in new[] { ("/documents", "documents"), (documentPath, "completed"), ("/documents/new", "new-document"),
            (templatePath, "template"), ("/templates", "templates"), ("/account", "account"), ("/organization", "organization") })
        {
            await page.GotoAsync(path);
            await s.CheckPageAsync($"sender-phone-{name}");
            Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth + 1"), $"{path} is wider than a 390-px phone");
        }
        s.AssertNoCspViolations();
    }

    private static async Task AddRecipientAsync(IPage page, string name, string email, string role = "signer")
    {
        if (!await page.IsVisibleAsync("#r-name")) await page.ClickAsync("#add-recipient summary");
        await page.FillAsync("#r-name", name);
        await page.FillAsync("#r-email", email);
        await page.SelectOptionAsync("#r-role", role);
        await page.ClickAsync("#add-recipient-submit");
        await page.WaitForSelectorAsync($".recipient:has-text('{name}')");
    }

    /// <summary>Drags a palette item to a point and waits until the page shows <paramref name="placed"/> fields.</summary>
    private static async Task DragAsync(IPage page, string source, float x, float y, int placed)
    {
        var from = (await page.Locator(source).BoundingBoxAsync())!;
        await page.Mouse.MoveAsync(from.X + from.Width / 2, from.Y + from.Height / 2);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(x, y, new() { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("n => document.querySelectorAll('.placed').length === n", placed);
    }
}
