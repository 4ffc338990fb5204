using System.Net.Http.Json;
using Sigill.Tests.Infrastructure;
using Sigill.Tests.Payments;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Payments.PaymentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// The payer's journey in Debian's Chromium, on both backends: a quote two signers signed, its payment link from the
/// e-mail, "Pay", the processor's hosted page (the fake Stripe's) where the test card is typed, back to Sigill, paid;
/// the document completes and its sealed certificate names the payment; a partial refund then shows on the document.
/// No Sigill page loads a card form or the processor's script: the card number is typed only on the processor's page.
/// </summary>
public sealed class PaymentBrowserTests(Chromium chromium, PaymentApps apps) : IClassFixture<Chromium>, IClassFixture<PaymentApps>
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_payer_pays_a_signed_quote_on_the_processors_page_and_the_document_is_sealed_with_the_payment(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;
        using var q = await QuoteAsync(app, stripe, "Acme Browser Pay " + backend);
        await SignBothAsync(q);
        var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);

        await using var s = await chromium.NewSessionAsync(app.WebUrl, mobile: backend == Backend.PostgresS3);
        var page = s.Page;
        await page.GotoAsync($"/p/{link}");
        Assert.Contains("1,250.00 EUR", await page.InnerTextAsync("#pay-amount"), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("input[autocomplete^=cc-]").CountAsync()); // no card field on Sigill's page
        await s.CheckPageAsync($"payment-1-due-{backend}");

        await page.ClickAsync("#pay-form button[type=submit]");
        await page.WaitForURLAsync(url => url.StartsWith(stripe.ApiBaseUrl, StringComparison.Ordinal));
        await page.FillAsync("input[name=cardnumber]", "4242 4242 4242 4242");
        await page.FillAsync("input[name=exp]", "12/30");
        await page.FillAsync("input[name=cvc]", "123");
        await page.ClickAsync("button[type=submit]");
        // The way back does real work before the page answers (the processor's session is read, the payment recorded, the
        // document sealed with its timestamp): on a loaded machine it has taken longer than the default 45 s.
        await page.WaitForURLAsync(url => url.StartsWith(app.WebUrl.ToString().TrimEnd('/') + "/p", StringComparison.Ordinal), new() { Timeout = 120_000 });
        await page.WaitForSelectorAsync("#pay-status");
        Assert.Contains("Paid", await page.InnerTextAsync("#pay-status"), StringComparison.Ordinal);
        Assert.Contains("4242", await page.InnerTextAsync("#pay-status"), StringComparison.Ordinal);
        s.AssertNoCspViolations();
        await s.ScreenshotAsync($"payment-2-paid-{backend}");

        await stripe.WaitForWebhooksAsync();
        await WaitForStatusAsync(q, "completed");
        using (var sealedPdf = PdfDocument.Open(await q.Sender.GetByteArrayAsync($"/api/v1/documents/{q.DocumentId}/sealed.pdf")))
        {
            Assert.Contains("visa ending in 4242", sealedPdf.GetPages().Last().Text, StringComparison.Ordinal);
        }
        var refunded = await PostOkAsync(q.Sender, $"/api/v1/documents/{q.DocumentId}/payment/refunds", new { amount = 100.00m });
        Assert.Equal("partial", refunded.GetProperty("refundState").GetString());
        Assert.Equal(100.00m, (await q.PaymentAsync()).GetProperty("refunded").GetDecimal());
        Assert.Empty(await app.PlacesContainingAsync("4242424242424242"));
    }
}
