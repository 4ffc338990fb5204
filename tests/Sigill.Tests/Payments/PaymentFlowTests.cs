using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sigill.Tests.Infrastructure;
using UglyToad.PdfPig;
using static Sigill.Tests.Documents.DocumentKit;
using static Sigill.Tests.Payments.PaymentKit;

namespace Sigill.Tests.Payments;

/// <summary>
/// A quote signed and paid in one flow, on both backends, through a fake Stripe that speaks Stripe's wire protocol:
/// Sigill's own code path (Stripe.net, hosted Checkout, signed webhooks, the job queue) runs unchanged.
/// </summary>
public sealed class PaymentFlowTests(PaymentApps apps) : IClassFixture<PaymentApps>
{
    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_signed_quote_is_paid_on_the_hosted_page_completed_with_the_payment_on_its_certificate_and_refunded_in_part(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;
        using var q = await QuoteAsync(app, stripe, "Acme Payments " + backend);
        Assert.Equal("required", (await q.PaymentAsync()).GetProperty("status").GetString());

        var payerResult = await SignBothAsync(q);
        Assert.Equal("awaiting_payment", payerResult.GetProperty("documentStatus").GetString());
        var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);
        Assert.Equal($"/p/{link}", payerResult.GetProperty("paymentLink").GetString());
        using (var payer = app.Web())
        {
            var page = JsonDocument.Parse(await payer.GetStringAsync($"/api/v1/pay/{link}")).RootElement;
            Assert.Equal(1250.00m, page.GetProperty("amount").GetDecimal());
            Assert.Equal("EUR", page.GetProperty("currency").GetString());
            Assert.Equal("awaiting", page.GetProperty("status").GetString());
        }

        var session = await CheckoutAsync(q, link);
        // What Sigill asked Stripe for: exactly the signed total in cents, bound to the document and its signed revision.
        var created = stripe.Requests.Last(r => r.Method == "POST" && r.Path == "/v1/checkout/sessions" && r.ApiKey == q.StripeKey);
        var form = created.Form.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("125000", form["line_items[0][price_data][unit_amount]"]);
        Assert.Equal("eur", form["line_items[0][price_data][currency]"]);
        Assert.Equal(q.DocumentId, form["metadata[sigill_document_id]"]);
        Assert.Equal(q.DocumentId, form["payment_intent_data[metadata][sigill_document_id]"]);
        Assert.Matches("^[0-9a-f]{64}$", form["metadata[sigill_signed_sha256]"]);

        var intent = await stripe.PayAsync(session, "4242424242424242");
        await stripe.WaitForWebhooksAsync();
        await WaitForStatusAsync(q, "completed");
        var payment = await q.PaymentAsync();
        Assert.Equal("paid", payment.GetProperty("status").GetString());
        Assert.Equal(intent, payment.GetProperty("reference").GetString());
        Assert.Equal("visa", payment.GetProperty("cardBrand").GetString());
        Assert.Equal("4242", payment.GetProperty("cardLast4").GetString());

        var pdf = await q.Sender.GetByteArrayAsync($"/api/v1/documents/{q.DocumentId}/sealed.pdf");
        using (var sealedPdf = PdfDocument.Open(pdf))
        {
            var certificate = sealedPdf.GetPages().Last().Text;
            Assert.Contains("1,250.00 EUR paid", certificate, StringComparison.Ordinal);
            Assert.Contains("through Stripe", certificate, StringComparison.Ordinal);
            Assert.Contains("visa ending in 4242", certificate, StringComparison.Ordinal);
            Assert.Contains(intent, certificate, StringComparison.Ordinal);
            Assert.Contains(form["metadata[sigill_signed_sha256]"], certificate, StringComparison.Ordinal);
        }

        // A partial refund from Sigill, then the rest from Stripe's dashboard: the document's record follows both.
        var refunded = await PostOkAsync(q.Sender, $"/api/v1/documents/{q.DocumentId}/payment/refunds", new { amount = 250.00m });
        Assert.Equal(250.00m, refunded.GetProperty("refunded").GetDecimal());
        Assert.Equal("partial", refunded.GetProperty("refundState").GetString());
        using (var tooMuch = await q.Sender.PostAsJsonAsync($"/api/v1/documents/{q.DocumentId}/payment/refunds", new { amount = 1000.01m }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooMuch.StatusCode);
        }
        await stripe.RefundFromDashboardAsync(intent);
        await stripe.WaitForWebhooksAsync();
        await WaitForAsync(async () => (await q.PaymentAsync()).GetProperty("refundState").GetString() == "full", "the dashboard refund");
        await stripe.DisputeAsync(intent);
        await stripe.WaitForWebhooksAsync();
        await WaitForAsync(async () => (await q.PaymentAsync()).GetProperty("disputeStatus").ValueKind == JsonValueKind.String, "the dispute");

        var actions = await q.ActionsAsync();
        Assert.Equal(1, actions.Count(a => a == "document.paid"));
        Assert.Equal(2, actions.Count(a => a == "document.refunded"));
        Assert.Contains("document.awaiting_payment", actions);
        Assert.Contains("document.payment_disputed", actions);
        // The test card was typed only on Stripe's page: no card number anywhere Sigill stores anything.
        Assert.Empty(await app.PlacesContainingAsync("4242424242424242"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Payment_events_in_either_order_and_the_payers_return_end_in_one_paid_state(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;
        foreach (var order in new[] { new[] { "payment_intent.succeeded", "checkout.session.completed" }, new[] { "checkout.session.completed", "payment_intent.succeeded" } })
        {
            using var q = await QuoteAsync(app, stripe, $"Acme Order {order[0]} {backend}");
            await SignBothAsync(q);
            var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);
            var session = await CheckoutAsync(q, link);
            stripe.HoldWebhooks = true;
            try
            {
                await stripe.PayAsync(session);
                var held = stripe.HeldEvents.Where(e => e.AccountId == stripe.AccountIdOf(q.StripeKey)).ToList();
                foreach (var type in order)
                {
                    await stripe.DeliverAsync(held.Single(e => e.Type == type).Id);
                }
            }
            finally
            {
                stripe.HoldWebhooks = false;
            }
            await stripe.WaitForWebhooksAsync();
            await WaitForStatusAsync(q, "completed");
            // The payer's browser comes back afterwards: the same payment, recorded once.
            using (var payer = app.Web())
            {
                var page = await PostOkAsync(payer, $"/api/v1/pay/{link}/return", new { checkoutId = session });
                Assert.Equal("paid", page.GetProperty("status").GetString());
            }
            Assert.Equal(1, (await q.ActionsAsync()).Count(a => a == "document.paid"));
        }
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Forged_stale_replayed_and_tampered_events_and_mismatching_payments_are_refused_and_alerted(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;
        using var q = await QuoteAsync(app, stripe, "Acme Abuse " + backend);
        await SignBothAsync(q);
        var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);
        var session = await CheckoutAsync(q, link);
        stripe.HoldWebhooks = true;
        List<FakeEvent> held;
        try
        {
            await stripe.PayAsync(session);
            held = [.. stripe.HeldEvents.Where(e => e.AccountId == stripe.AccountIdOf(q.StripeKey))];
        }
        finally
        {
            stripe.HoldWebhooks = false;
        }
        var completed = held.Single(e => e.Type == "checkout.session.completed");
        string Tampered(Action<JsonObject> change)
        {
            var json = completed.Json;
            change(json["data"]!["object"]!.AsObject());
            return json.ToJsonString();
        }

        // Forged (another secret), stale (signed 10 minutes ago), altered after signing: 400, nothing recorded.
        using (var forged = await PostEventAsync(q, completed.Payload, "whsec_" + Convert.ToBase64String(new byte[32])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.Equal("payment_event_refused", await ProblemCodeAsync(forged));
        }
        using (var stale = await PostEventAsync(q, completed.Payload, q.WebhookSecret, DateTimeOffset.UtcNow.AddMinutes(-10)))
        {
            Assert.Equal(HttpStatusCode.BadRequest, stale.StatusCode);
        }
        var altered = (await stripe.DeliverAsync(completed.Id, o => { o["data"]!["object"]!["amount_total"] = 100; return o; }, resign: false)).Single();
        Assert.Equal(400, altered.Status);
        Assert.Equal("awaiting_payment", await q.StatusAsync());

        // Correctly signed, but not what was signed in Sigill: amount, currency, revision, another organization's document.
        foreach (var (change, reason) in new (Action<JsonObject>, string)[]
        {
            (o => o["amount_total"] = 100, "amount"),
            (o => o["currency"] = "usd", "currency"),
            (o => o["metadata"]!["sigill_signed_sha256"] = new string('0', 64), "signed_revision"),
        })
        {
            var payload = Tampered(change).Replace(completed.Id, completed.Id + reason, StringComparison.Ordinal);
            using var refused = await PostEventAsync(q, payload, q.WebhookSecret);
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Equal("payment_mismatch", await ProblemCodeAsync(refused));
        }
        using (var other = await QuoteAsync(app, stripe, "Other Org " + backend, send: false))
        {
            // Org B's account signs an event naming org A's document: B's endpoint refuses it.
            var payload = completed.Payload.Replace(completed.Id, completed.Id + "x", StringComparison.Ordinal);
            using var foreign = await PostEventAsync(other, payload, other.WebhookSecret);
            Assert.Equal(HttpStatusCode.Conflict, foreign.StatusCode);
        }
        Assert.Equal("awaiting_payment", await q.StatusAsync());
        Assert.Equal(3, (await q.ActionsAsync()).Count(a => a == "document.payment_refused"));
        var alerts = (Sigill.Api.Features.Alerts.AlertDispatcher)app.ApiServices.GetService(typeof(Sigill.Api.Features.Alerts.AlertDispatcher))!;
        await alerts.EvaluateAsync(CancellationToken.None);
        Assert.Contains(await AlertRulesFiringAsync(app, q.Org.Region), r => r == "SigillPaymentRefused");

        // The real event, then its replay: accepted once, recorded once.
        Assert.True((await stripe.DeliverAsync(completed.Id)).Single().Succeeded);
        await WaitForStatusAsync(q, "completed");
        var replay = (await stripe.DeliverAsync(completed.Id)).Single();
        Assert.True(replay.Succeeded);
        Assert.Equal(1, (await q.ActionsAsync()).Count(a => a == "document.paid"));
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task A_processor_outage_costs_the_payer_a_retry_and_nothing_else(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;
        using var q = await QuoteAsync(app, stripe, "Acme Outage " + backend);
        await SignBothAsync(q);
        var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);
        stripe.Unreachable = true;
        try
        {
            using var payer = app.Web();
            using var failed = await payer.PostAsJsonAsync($"/api/v1/pay/{link}/checkout", new { });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
            Assert.Equal("payment_processor_unavailable", await ProblemCodeAsync(failed));
            var problem = JsonDocument.Parse(await failed.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains("try again", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        }
        finally
        {
            stripe.Unreachable = false;
        }
        Assert.Equal("awaiting", (await q.PaymentAsync()).GetProperty("status").GetString());
        // A checkout created at Stripe that Sigill never recorded (the answer was lost): its event still completes the document.
        var session = await CheckoutAsync(q, link);
        await stripe.PayAsync(session);
        await stripe.WaitForWebhooksAsync();
        await WaitForStatusAsync(q, "completed");
    }

    [Theory]
    [MemberData(nameof(Backends.Both), MemberType = typeof(Backends))]
    public async Task Paid_outside_void_and_decline_behave_at_every_stage(Backend backend)
    {
        var app = await apps.For(backend);
        var stripe = apps.Stripe;

        // Paid by bank transfer: recorded with its reason, completed, and the certificate says so.
        using (var q = await QuoteAsync(app, stripe, "Acme Outside " + backend))
        {
            using (var early = await q.Sender.PostAsJsonAsync($"/api/v1/documents/{q.DocumentId}/payment/outside", new { reason = "Bank transfer 2026-118" }))
            {
                Assert.Equal(HttpStatusCode.Conflict, early.StatusCode); // not everyone has signed
            }
            await SignBothAsync(q);
            await PostOkAsync(q.Sender, $"/api/v1/documents/{q.DocumentId}/payment/outside", new { reason = "Bank transfer 2026-118" });
            await WaitForStatusAsync(q, "completed");
            Assert.Equal("paid_outside", (await q.PaymentAsync()).GetProperty("status").GetString());
            using var sealedPdf = PdfDocument.Open(await q.Sender.GetByteArrayAsync($"/api/v1/documents/{q.DocumentId}/sealed.pdf"));
            Assert.Contains("Bank transfer 2026-118", sealedPdf.GetPages().Last().Text, StringComparison.Ordinal);
            using var refund = await q.Sender.PostAsJsonAsync($"/api/v1/documents/{q.DocumentId}/payment/refunds", new { });
            Assert.Equal(HttpStatusCode.Conflict, refund.StatusCode);
        }

        // Voided while awaiting payment: the payment is cancelled, its link dies, the open checkout is closed at Stripe.
        using (var q = await QuoteAsync(app, stripe, "Acme Void " + backend))
        {
            await SignBothAsync(q);
            var link = PayLinkFor(app, q.Org.Region, q.PayerEmail);
            var session = await CheckoutAsync(q, link);
            await PostOkAsync(q.Sender, $"/api/v1/documents/{q.DocumentId}/void", new { reason = "Wrong price" });
            Assert.Equal("cancelled", (await q.PaymentAsync()).GetProperty("status").GetString());
            using var payer = app.Web();
            using (var dead = await payer.GetAsync($"/api/v1/pay/{link}")) Assert.Equal(HttpStatusCode.NotFound, dead.StatusCode);
            Assert.Equal("expired", stripe.GetObject(session)!["status"]!.GetValue<string>());
        }

        // Declined before the last signature: the payment is cancelled, nobody is asked to pay.
        using (var q = await QuoteAsync(app, stripe, "Acme Decline " + backend))
        {
            using var other = app.Web();
            var otherLink = LinkFor(app.DataDirectory, q.Org.Region, q.OtherEmail);
            using (var declined = await other.PostAsJsonAsync($"/api/v1/signing/{otherLink}/decline", new { reason = "Too expensive" }))
            {
                Assert.Equal(HttpStatusCode.NoContent, declined.StatusCode);
            }
            Assert.Equal("cancelled", (await q.PaymentAsync()).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Requiring_payment_checks_the_draft_the_payer_the_total_and_the_connection()
    {
        var app = await apps.For(Backend.Sqlite);
        var stripe = apps.Stripe;
        using var q = await QuoteAsync(app, stripe, "Acme Require", send: false);
        async Task<(HttpStatusCode, string)> Put(HttpClient client, string id, object body)
        {
            using var r = await client.PutAsJsonAsync($"/api/v1/documents/{id}/payment", body);
            return (r.StatusCode, r.IsSuccessStatusCode ? "" : await ProblemCodeAsync(r));
        }
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"), await Put(q.Sender, q.DocumentId, new { payerRecipientId = "rcp_eu_nobody" }));
        // A total JPY cannot express (0.5 yen) is refused, not rounded.
        var jpy = await PostOkAsync(q.Sender, "/api/v1/documents/from-template", new
        {
            templateId = JsonDocument.Parse(await q.Sender.GetStringAsync("/api/v1/templates")).RootElement[0].GetProperty("id").GetString(),
            title = "Yen quote",
            pricing = new { currency = "JPY", items = new object[] { new { description = "Item", quantity = 1, unitPrice = 1000.50m } } },
        });
        var jpyId = jpy.GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(q.Sender, jpyId, "Yuki", "yuki@example.com");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "payment_amount_invalid"), await Put(q.Sender, jpyId, new { payerRecipientId = signer }));
        // An uploaded PDF has no pricing table.
        var upload = await UploadOkAsync(q.Sender, "Plain", SamplePdf("plain"));
        var uploadSigner = await AddRecipientAsync(q.Sender, upload.GetProperty("id").GetString()!, "Ulla", "ulla@example.com");
        Assert.Equal((HttpStatusCode.Conflict, "payment_not_possible"), await Put(q.Sender, upload.GetProperty("id").GetString()!, new { payerRecipientId = uploadSigner }));
        // No Stripe connection: 409 with where to connect it; and sending a document whose payment has no account any more is refused.
        using (var disconnect = await q.Sender.DeleteAsync("/api/v1/organization/payments")) Assert.Equal(HttpStatusCode.NoContent, disconnect.StatusCode);
        Assert.Equal((HttpStatusCode.Conflict, "payments_not_connected"), await Put(q.Sender, q.DocumentId, new { payerRecipientId = q.PayerId }));
        using (var send = await q.Sender.PostAsJsonAsync($"/api/v1/documents/{q.DocumentId}/send", new { }))
        {
            Assert.Equal(HttpStatusCode.Conflict, send.StatusCode);
            Assert.Equal("payments_not_connected", await ProblemCodeAsync(send));
        }
        Assert.Equal("draft", await q.StatusAsync());
        // The keys are write-only: nothing of them comes back.
        var account = await q.Sender.GetStringAsync("/api/v1/organization/payments");
        Assert.DoesNotContain("sk_test", account, StringComparison.Ordinal);
        using (var badKey = await q.Sender.PutAsJsonAsync("/api/v1/organization/payments", new { apiKey = "pk_test_publishable_is_not_secret" }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badKey.StatusCode);
        }
    }

    private static async Task<IReadOnlyList<string>> AlertRulesFiringAsync(SigillApp app, string region)
    {
        await using var db = app.Cells.Get(region).CreateDbContext();
        return [.. await Microsoft.EntityFrameworkCore.EntityFrameworkQueryableExtensions.ToListAsync(
            System.Linq.Queryable.Select(db.Set<Sigill.Api.Features.Alerts.AlertRow>(), a => a.Rule))];
    }
}
