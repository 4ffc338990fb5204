using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sigill.Tests.Foundation;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Identity.IdentityKit;

namespace Sigill.Tests.Security;

/// <summary>
/// No card data: a card number in any text a request carries — JSON at any depth, the upload's title, the uploaded PDF's
/// text — is refused with 422 <c>card_number_detected</c> naming the field, nothing of the request is stored, and
/// neither the answer nor any log holds more of the number than its first six and last four digits.
/// </summary>
public sealed class CardNumberRequestTests : IAsyncLifetime
{
    private readonly CapturedLog _log = new();
    private SigillApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await SigillApp.StartAsync(logging: b => b.AddProvider(_log).SetMinimumLevel(LogLevel.Trace));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    /// <summary>The number as sent, its digits alone, and how it may be shown.</summary>
    private sealed record Card(string AsTyped, string Masked)
    {
        public string Digits => new([.. AsTyped.Where(char.IsAsciiDigit)]);
    }

    private static readonly Card Visa = new("4242 4242 4242 4242", "424242…4242");
    private static readonly Card VisaDebit = new("4000-0566-5566-5556", "400005…5556");
    private static readonly Card Mastercard = new("5555555555554444", "555555…4444");
    private static readonly Card MastercardTwo = new("2223 0031 2200 3222", "222300…3222");
    private static readonly Card Amex = new("3782 822463 10005", "37828…0005");
    private static readonly Card Discover = new("6011-1111-1111-1117", "601111…1117");
    private static readonly Card Diners = new("3056930009020004", "305693…0004");
    private static readonly Card Jcb = new("3566 0020 2036 0505", "356600…0505");
    private static readonly Card UnionPay = new("6200000000000005", "620000…0005");
    private static readonly Card VisaTwo = new("4012888888881881", "401288…1881");
    private static readonly Card VisaThree = new("4111 1111 1111 1111", "411111…1111");
    private static readonly Card AmexTwo = new("371449635398431", "37144…8431");
    private static readonly Card MastercardThree = new("5105-1051-0510-5100", "510510…5100");

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string field, Card card, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"{what}: {(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(body).RootElement;
        Assert.Equal("card_number_detected", problem.GetProperty("code").GetString());
        Assert.Equal(field, problem.GetProperty("field").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.StartsWith(field + ":", detail, StringComparison.Ordinal);
        Assert.Contains(card.Masked, detail, StringComparison.Ordinal);
        Assert.DoesNotContain(card.Digits, new string([.. body.Where(char.IsAsciiDigit)]), StringComparison.Ordinal);
        Assert.DoesNotContain(card.AsTyped, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_card_number_in_any_text_field_is_refused_with_422_naming_the_field_and_nothing_of_it_is_stored()
    {
        var owner = await SignUpAsync(_app, "owner@cards.example", organization: "Cards AB");
        using var asOwner = As(_app, owner.Session);
        using var anonymous = _app.Web();
        var draft = (await UploadOkAsync(asOwner, "Clean title", SamplePdf("An ordinary agreement"))).GetProperty("id").GetString()!;
        var template = (await PostOkAsync(asOwner, "/api/v1/templates", new { name = "Plain", body = "Hello {{ customer }}", variables = new[] { "customer" } })).GetProperty("id").GetString()!;
        var cases = new (string Field, Card Card, Func<Card, Task<HttpResponseMessage>> Send)[]
        {
            ("title", Visa, c => UploadAsync(asOwner, $"Paid with {c.AsTyped}", SamplePdf("x"))),
            ("name", VisaDebit, c => asOwner.PostAsJsonAsync($"/api/v1/documents/{draft}/recipients", new { name = $"Kim {c.AsTyped}", email = "kim@cards.example" })),
            ("body", Mastercard, c => asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Card", body = $"Charge {c.AsTyped} monthly.", variables = Array.Empty<string>() })),
            ("variables", Amex, c => asOwner.PostAsJsonAsync("/api/v1/templates", new { name = "Vars", body = "x", variables = new[] { c.AsTyped } })),
            ("body", Discover, c => asOwner.PostAsJsonAsync("/api/v1/templates/blocks", new { name = "terms", body = $"Card on file: {c.AsTyped}" })),
            ("variables", Diners, c => asOwner.PostAsJsonAsync("/api/v1/documents/from-template", new { templateId = template, title = "Offer", variables = new { customer = $"Card {c.AsTyped}" } })),
            ("title", Jcb, c => asOwner.PostAsJsonAsync("/api/v1/documents/from-template", new { templateId = template, title = $"Offer {c.AsTyped}", variables = new { customer = "Kim" } })),
            ("description", UnionPay, c => asOwner.PostAsJsonAsync("/api/v1/documents/from-template", new
            {
                templateId = template, title = "Offer", variables = new { customer = "Kim" },
                pricing = new { currency = "EUR", items = new[] { new { description = $"Paid by {c.AsTyped}", quantity = 1, unitPrice = 10 } } },
            })),
            ("message", MastercardTwo, c => asOwner.PostAsJsonAsync($"/api/v1/documents/{draft}/send", new { message = $"Please sign.\nMy card: {c.AsTyped}" })),
            ("name", VisaTwo, c => asOwner.PostAsJsonAsync("/api/v1/account/organizations", new { name = $"Shop {c.AsTyped}" })),
            ("name", AmexTwo, c => anonymous.PostAsJsonAsync("/api/v1/regions/us/auth/sign-up",
                new { email = $"{Guid.NewGuid():N}@cards.example", password = Password, name = c.AsTyped, organizationName = "Fine AB" })),
        };
        foreach (var (field, card, send) in cases)
        {
            using var response = await send(card);
            await AssertRefusedAsync(response, field, card, $"{field} holding {card.Masked}");
        }

        // Nothing of it was stored: the clean draft alone, no recipient, still a draft; one template, no block; one organization.
        var documents = await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(["Clean title"], documents.EnumerateArray().Select(d => d.GetProperty("title").GetString()));
        var view = await asOwner.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{draft}");
        Assert.Equal(0, view.GetProperty("recipients").GetArrayLength());
        Assert.Equal("draft", view.GetProperty("status").GetString());
        Assert.Single((await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/templates")).EnumerateArray());
        Assert.Empty((await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/templates/blocks")).EnumerateArray());
        Assert.Single((await asOwner.GetFromJsonAsync<JsonElement>("/api/v1/account")).GetProperty("organizations").EnumerateArray());

        // The refusals were logged, masked; no log line and no byte under the data directory holds a number in full.
        var refusals = _log.Lines.Where(l => l.Contains("holds what looks like a card number", StringComparison.Ordinal)).ToList();
        Assert.True(refusals.Any(l => l.Contains("Refused a request to /api/v1/documents/: title holds what looks like a card number (Visa 424242…4242)", StringComparison.Ordinal)),
            string.Join("\n", refusals.DefaultIfEmpty("no refusal logged")));
        AssertNowhere(cases.Select(c => c.Card));
    }

    [Fact]
    public async Task A_recipient_cannot_put_a_card_number_in_a_field_value_or_a_typed_name()
    {
        var org = await _app.SetUpOrganizationAsync("Signing Cards AB", "eu");
        using var sender = _app.Web(org.ApiToken);
        var id = (await UploadOkAsync(sender, "Card form", SamplePdf("Please fill in the form."))).GetProperty("id").GetString()!;
        var recipient = await AddRecipientAsync(sender, id, "Robin Recipient", "robin@cards.example");
        var text = await AddFieldAsync(sender, id, recipient, "text", 150);
        await AddFieldAsync(sender, id, recipient, "signature", 100);
        await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { message = "Please sign" });
        var link = LinkFor(_app.DataDirectory, "eu", "robin@cards.example");
        using var browser = _app.Web();
        using (var view = await browser.GetAsync($"/api/v1/signing/{link}/document.pdf")) Assert.Equal(HttpStatusCode.OK, view.StatusCode);
        using (var consent = await browser.PostAsJsonAsync($"/api/v1/signing/{link}/consent", new { accept = true })) Assert.Equal(HttpStatusCode.NoContent, consent.StatusCode);

        await AssertRefusedAsync(await browser.PostAsJsonAsync($"/api/v1/signing/{link}/sign",
            new { typedName = "Robin Recipient", fields = new[] { new { id = text, value = VisaThree.AsTyped } } }), "value", VisaThree, "field value");
        await AssertRefusedAsync(await browser.PostAsJsonAsync($"/api/v1/signing/{link}/sign",
            new { typedName = $"Robin {MastercardThree.AsTyped}", fields = new[] { new { id = text, value = "Order 2024-000123" } } }), "typedName", MastercardThree, "typed name");

        // Still unsigned; then the same recipient signs with a value that only looks like a card number (an IBAN).
        Assert.Equal("sent", (await sender.GetFromJsonAsync<JsonElement>($"/api/v1/documents/{id}")).GetProperty("status").GetString());
        var signed = await PostOkAsync(browser, $"/api/v1/signing/{link}/sign",
            new { typedName = "Robin Recipient", fields = new[] { new { id = text, value = "SE45 5000 0000 0583 9825 7466" } } });
        Assert.Equal("completed", signed.GetProperty("documentStatus").GetString());
        AssertNowhere([VisaThree, MastercardThree]);
    }

    [Fact]
    public async Task A_pdf_whose_text_holds_a_card_number_is_refused_naming_the_page_and_nothing_is_stored()
    {
        var org = await _app.SetUpOrganizationAsync("Pdf Cards AB", "eu");
        using var sender = _app.Web(org.ApiToken);

        using (var onPageOne = await UploadAsync(sender, "Receipt", SamplePdf($"Paid with card {Visa.AsTyped} on 2026-12-05.")))
        {
            await AssertRefusedAsync(onPageOne, "file", Visa, "a card number on page 1");
            Assert.Contains("page 1 of the PDF", (await onPageOne.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var threePages = SamplePdf("Terms of the agreement", pages: 2);
        using (var onPageThree = await UploadAsync(sender, "Receipt", SamplePdfWithLastPage($"Amex {Amex.AsTyped}")))
        {
            await AssertRefusedAsync(onPageThree, "file", Amex, "a card number on page 3");
            Assert.Contains("page 3 of the PDF", (await onPageThree.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        // Outside the pages: in the document information (a classic PDF with a simple font, the number in /Title).
        using (var inInfo = await UploadAsync(sender, "Receipt", WithInfoTitle($"Card {Mastercard.AsTyped}")))
        {
            await AssertRefusedAsync(inInfo, "file", Mastercard, "a card number in the document information");
            Assert.Contains("document information", (await inInfo.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
        var documents = await sender.GetFromJsonAsync<JsonElement>("/api/v1/documents");
        Assert.Equal(0, documents.GetArrayLength());

        // What only looks like a card number is accepted.
        await UploadOkAsync(sender, "Invoice 1234567890123456", SamplePdf(
            "Invoice 1234567890123456. Pay to IBAN SE45 5000 0000 0583 9825 7466 or DE89 3704 0044 0532 0130 00. Questions: +46 70 123 45 67. " +
            "Order 100234-5567-8890, signed 2026-12-05 14:03, ref 550e8400-e29b-41d4-a716-446655440000."));
        await UploadOkAsync(sender, "Three pages", threePages);
        AssertNowhere([Visa, Amex, Mastercard]);
    }

    /// <summary>A three-page rendered PDF whose last page says <paramref name="text"/>.</summary>
    private static byte[] SamplePdfWithLastPage(string text) =>
        Sigill.Pdf.DocumentRenderer.Render(new Sigill.Pdf.DocumentModel("Agreement",
            [new Sigill.Pdf.Paragraph("Page one"), new Sigill.Pdf.PageBreak(), new Sigill.Pdf.Paragraph("Page two"), new Sigill.Pdf.PageBreak(), new Sigill.Pdf.Paragraph(text)])).Bytes;

    /// <summary>A classic one-page PDF (Helvetica, WinAnsi) whose document information's /Title is <paramref name="title"/>.</summary>
    private static byte[] WithInfoTitle(string title)
    {
        const string Content = "BT /F1 12 Tf 72 720 Td (An ordinary page) Tj ET";
        var pdf = MinimalPdf(
            "<</Type/Catalog/Pages 2 0 R>>",
            "<</Type/Pages/Kids[3 0 R]/Count 1>>",
            "<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
            $"<</Length {Content.Length}>>\nstream\n{Content}\nendstream",
            "<</Type/Font/Subtype/Type1/BaseFont/Helvetica/Encoding/WinAnsiEncoding>>",
            $"<</Title({title})/Producer(Test)>>");
        // Name the information dictionary (object 6) in the trailer.
        var text = System.Text.Encoding.Latin1.GetString(pdf).Replace("/Root 1 0 R>>", "/Root 1 0 R/Info 6 0 R>>", StringComparison.Ordinal);
        return System.Text.Encoding.Latin1.GetBytes(text);
    }

    /// <summary>No log line and no file under the data directory (databases, blobs, keys, outbox, cell logs) holds these numbers.</summary>
    private void AssertNowhere(IEnumerable<Card> cards)
    {
        var lines = _log.Lines;
        foreach (var card in cards)
        {
            Assert.DoesNotContain(lines, l => l.Contains(card.AsTyped, StringComparison.Ordinal) || l.Contains(card.Digits, StringComparison.Ordinal));
            Assert.Empty(ByteScan.FilesContaining(_app.DataDirectory, card.Digits));
            Assert.Empty(ByteScan.FilesContaining(_app.DataDirectory, card.AsTyped));
        }
    }
}
