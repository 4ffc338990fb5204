using System.Net;
using System.Text.Json.Nodes;
using Stripe;
using Stripe.Checkout;

namespace Sigill.Tests.Payments;

/// <summary>The fake behaves as Stripe does for what Sigill relies on, seen through Stripe.net (the client Sigill uses) and a browser-like HTTP client.</summary>
public sealed class FakeStripeTests
{
    internal static StripeClient Client(FakeStripe fake, string key) => new(apiKey: key, apiBase: fake.ApiBaseUrl);

    internal static SessionCreateOptions SessionOptions(string currency = "eur", long unitAmount = 1500, string documentId = "doc_123") => new()
    {
        Mode = "payment",
        LineItems =
        [
            new SessionLineItemOptions
            {
                PriceData = new SessionLineItemPriceDataOptions
                {
                    Currency = currency,
                    UnitAmount = unitAmount,
                    ProductData = new SessionLineItemPriceDataProductDataOptions { Name = "Signature envelope" },
                },
                Quantity = 1,
            },
        ],
        SuccessUrl = "https://sigill.example/paid?session={CHECKOUT_SESSION_ID}",
        CancelUrl = "https://sigill.example/cancelled",
        Metadata = new Dictionary<string, string> { ["document_id"] = documentId },
        PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = new Dictionary<string, string> { ["document_id"] = documentId } },
        CustomerEmail = "payer@example.com",
        ClientReferenceId = "org_42",
        Locale = "de",
    };

    private static HttpClient Browser() => new(new SocketsHttpHandler { AllowAutoRedirect = false });

    [Fact]
    public async Task Stripe_net_creates_a_session_that_reads_as_stripe_would_and_the_fake_records_what_was_sent()
    {
        await using var fake = await FakeStripe.StartAsync();
        var key = fake.CreateAccount();
        var sessions = new SessionService(Client(fake, key));

        var session = await sessions.CreateAsync(SessionOptions());

        Assert.StartsWith("cs_test_", session.Id, StringComparison.Ordinal);
        Assert.Equal(1500, session.AmountTotal);
        Assert.Equal("eur", session.Currency);
        Assert.Equal("open", session.Status);
        Assert.Equal("unpaid", session.PaymentStatus);
        Assert.Null(session.PaymentIntentId);
        Assert.Equal(new Uri(fake.ApiBase, "/pay/" + session.Id).ToString(), session.Url);
        Assert.Equal("doc_123", session.Metadata["document_id"]);
        Assert.Equal("org_42", session.ClientReferenceId);
        Assert.True(session.ExpiresAt > DateTime.UtcNow.AddHours(23));

        var sent = fake.Requests.Single(r => r.Path == "/v1/checkout/sessions");
        Assert.Equal(key, sent.ApiKey);
        Assert.Equal(FakeStripe.ApiVersion, sent.StripeVersion);
        Assert.NotNull(sent.IdempotencyKey);
        Assert.Equal("1500", sent.Params["line_items"]![0]!["price_data"]!["unit_amount"]!.GetValue<string>());
        Assert.Equal("eur", sent.Params["line_items"]![0]!["price_data"]!["currency"]!.GetValue<string>());
        Assert.Equal("doc_123", sent.Params["payment_intent_data"]!["metadata"]!["document_id"]!.GetValue<string>());
        Assert.Contains(sent.Form, p => p.Key == "line_items[0][price_data][product_data][name]" && p.Value == "Signature envelope");
    }

    [Fact]
    public async Task Stripe_net_takes_the_base_with_or_without_its_trailing_slash()
    {
        // Stripe.net appends "/v1/…" to apiBase as given: "http://host:port/" becomes "http://host:port//v1/…". The fake takes both.
        await using var fake = await FakeStripe.StartAsync();
        var key = fake.CreateAccount();
        var viaUri = new StripeClient(apiKey: key, apiBase: fake.ApiBase.ToString());
        var viaUrl = new StripeClient(apiKey: key, apiBase: fake.ApiBaseUrl);
        Assert.EndsWith("/", fake.ApiBase.ToString(), StringComparison.Ordinal);
        Assert.False(fake.ApiBaseUrl.EndsWith('/'));

        var session = await new SessionService(viaUri).CreateAsync(SessionOptions());
        Assert.Equal(session.Id, (await new SessionService(viaUrl).GetAsync(session.Id)).Id);
        Assert.All(fake.Requests, r => Assert.Equal(200, r.Status));
    }

    [Fact]
    public async Task Paying_on_the_hosted_page_completes_the_session_and_sends_webhooks_that_Stripe_net_accepts()
    {
        await using var fake = await FakeStripe.StartAsync();
        await using var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        var (_, secret) = await fake.AddWebhookEndpointAsync(key, sink.Url);
        var client = Client(fake, key);
        var session = await new SessionService(client).CreateAsync(SessionOptions());
        using var browser = Browser();

        var page = await browser.GetStringAsync(session.Url);
        Assert.Contains("15.00 EUR", page, StringComparison.Ordinal);
        Assert.Contains("name=\"cardnumber\"", page, StringComparison.Ordinal);
        Assert.Contains("href=\"https://sigill.example/cancelled\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);

        using var declined = await browser.PostAsync(session.Url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["cardnumber"] = "4000 0000 0000 0002", ["exp"] = "12/34", ["cvc"] = "123", ["name"] = "Ada Payer",
        }));
        Assert.Equal(HttpStatusCode.PaymentRequired, declined.StatusCode);
        Assert.Contains("Your card was declined.", await declined.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using var paid = await browser.PostAsync(session.Url, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["cardnumber"] = "4242 4242 4242 4242", ["exp"] = "12/34", ["cvc"] = "123", ["name"] = "Ada Payer",
        }));
        Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
        Assert.Equal($"https://sigill.example/paid?session={session.Id}", paid.Headers.Location!.ToString());

        await fake.WaitForWebhooksAsync();
        var received = sink.Requests.ToList();
        // Stripe does not promise an order, and the fake sends them at once.
        Assert.Equal(["charge.succeeded", "checkout.session.completed", "payment_intent.succeeded"],
            received.Select(r => EventUtility.ConstructEvent(r.Body, r.Signature, secret).Type).Order(StringComparer.Ordinal).ToArray());
        received = [.. received.OrderBy(r => r.Body.Contains("\"checkout.session.completed\"", StringComparison.Ordinal) ? 0 : 1)];
        Assert.All(received, r =>
        {
            Assert.Equal("application/json; charset=utf-8", r.ContentType);
            Assert.Equal("Stripe/1.0 (+https://stripe.com/docs/webhooks)", r.UserAgent);
            Assert.Matches("^t=[0-9]+,v1=[0-9a-f]{64}$", r.Signature);
        });
        var completed = EventUtility.ConstructEvent(received[0].Body, received[0].Signature, secret);
        var completedSession = Assert.IsType<Session>(completed.Data.Object);
        Assert.Equal(session.Id, completedSession.Id);
        Assert.Equal("paid", completedSession.PaymentStatus);
        Assert.Equal(FakeStripe.ApiVersion, completed.ApiVersion);

        var read = await new SessionService(client).GetAsync(session.Id, new SessionGetOptions { Expand = ["payment_intent.latest_charge"] });
        Assert.Equal("complete", read.Status);
        Assert.Equal("paid", read.PaymentStatus);
        Assert.Null(read.Url);
        Assert.Equal("succeeded", read.PaymentIntent.Status);
        Assert.Equal(1500, read.PaymentIntent.Amount);
        Assert.Equal("doc_123", read.PaymentIntent.Metadata["document_id"]);
        Assert.Equal("4242", read.PaymentIntent.LatestCharge.PaymentMethodDetails.Card.Last4);
        Assert.Equal("visa", read.PaymentIntent.LatestCharge.PaymentMethodDetails.Card.Brand);
        Assert.Equal("Ada Payer", read.PaymentIntent.LatestCharge.BillingDetails.Name);

        var intent = await new PaymentIntentService(client).GetAsync(read.PaymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        Assert.Equal(0, intent.LatestCharge.AmountRefunded);
        Assert.False(intent.LatestCharge.Refunded);
        Assert.False(intent.LatestCharge.Disputed);

        using var after = await browser.GetAsync(session.Url);
        Assert.Contains("already been paid", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_cards_behave_as_Stripe_documents_them()
    {
        await using var fake = await FakeStripe.StartAsync();
        var key = fake.CreateAccount();
        var client = Client(fake, key);

        var declined = await new SessionService(client).CreateAsync(SessionOptions());
        var decline = await Assert.ThrowsAsync<FakeStripeCardDeclinedException>(() => fake.PayAsync(declined.Id, "4000000000000002"));
        Assert.Equal("Your card was declined.", decline.Message);
        await Assert.ThrowsAsync<FakeStripeCardDeclinedException>(() => fake.PayAsync(declined.Id, "4000000000009995"));
        await Assert.ThrowsAsync<FakeStripeCardDeclinedException>(() => fake.PayAsync(declined.Id, "4111111111111112"));
        Assert.Equal("open", (await new SessionService(client).GetAsync(declined.Id)).Status);
        Assert.Empty(fake.Events);

        var intentId = await fake.PayAsync(declined.Id, "5555555555554444");
        var intent = await new PaymentIntentService(client).GetAsync(intentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        Assert.Equal("mastercard", intent.LatestCharge.PaymentMethodDetails.Card.Brand);
        Assert.Equal("4444", intent.LatestCharge.PaymentMethodDetails.Card.Last4);
        await Assert.ThrowsAsync<InvalidOperationException>(() => fake.PayAsync(declined.Id));
    }

    [Fact]
    public async Task Refunds_take_what_remains_refuse_more_and_emit_charge_refunded()
    {
        await using var fake = await FakeStripe.StartAsync();
        var key = fake.CreateAccount();
        var client = Client(fake, key);
        var session = await new SessionService(client).CreateAsync(SessionOptions(unitAmount: 2000));
        var intentId = await fake.PayAsync(session.Id);
        var refunds = new RefundService(client);

        var partial = await refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = intentId, Amount = 500, Reason = "requested_by_customer", Metadata = new Dictionary<string, string> { ["by"] = "sigill" },
        });
        Assert.Equal(500, partial.Amount);
        Assert.Equal("succeeded", partial.Status);
        Assert.Equal(intentId, partial.PaymentIntentId);

        var tooMuch = await Assert.ThrowsAsync<StripeException>(() => refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId, Amount = 1501 }));
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.HttpStatusCode);
        Assert.Equal("invalid_request_error", tooMuch.StripeError.Type);
        Assert.Contains("greater than unrefunded amount", tooMuch.Message, StringComparison.Ordinal);

        var dashboard = await fake.RefundFromDashboardAsync(intentId, 300);
        var rest = await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId });
        Assert.Equal(1200, rest.Amount);
        var again = await Assert.ThrowsAsync<StripeException>(() => refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intentId }));
        Assert.Equal("charge_already_refunded", again.StripeError.Code);

        var charge = (await new PaymentIntentService(client).GetAsync(intentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] })).LatestCharge;
        Assert.Equal(2000, charge.AmountRefunded);
        Assert.True(charge.Refunded);

        var refunded = fake.Events.Where(e => e.Type == "charge.refunded").ToList();
        Assert.Equal([500L, 800L, 2000L], refunded.Select(e => e.DataObject["amount_refunded"]!.GetValue<long>()).ToArray());
        Assert.Equal(3, fake.Events.Count(e => e.Type == "refund.created"));
        Assert.Contains(fake.Events, e => e.Type == "refund.created" && e.DataObject["id"]!.GetValue<string>() == dashboard);
        // An API refund's event names the request; the Dashboard's does not.
        Assert.NotNull(refunded[0].Json["request"]!["id"]);
        Assert.Null(refunded[1].Json["request"]!["id"]);
    }

    [Fact]
    public async Task Keys_are_checked_and_accounts_are_isolated()
    {
        await using var fake = await FakeStripe.StartAsync();
        var alice = fake.CreateAccount();
        var bob = fake.CreateAccount();
        var session = await new SessionService(Client(fake, alice)).CreateAsync(SessionOptions());

        var restricted = fake.CreateRestrictedKey(alice);
        Assert.StartsWith("rk_test_", restricted, StringComparison.Ordinal);
        Assert.Equal(session.Id, (await new SessionService(Client(fake, restricted)).GetAsync(session.Id)).Id);

        var unknown = await Assert.ThrowsAsync<StripeException>(() => new SessionService(Client(fake, "sk_test_" + new string('x', 32))).GetAsync(session.Id));
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.HttpStatusCode);
        Assert.Equal("invalid_request_error", unknown.StripeError.Type);
        Assert.StartsWith("Invalid API Key provided", unknown.Message, StringComparison.Ordinal);

        var other = await Assert.ThrowsAsync<StripeException>(() => new SessionService(Client(fake, bob)).GetAsync(session.Id));
        Assert.Equal(HttpStatusCode.NotFound, other.HttpStatusCode);
        Assert.Equal("resource_missing", other.StripeError.Code);
        Assert.Equal(fake.AccountIdOf(alice), fake.AccountIdOf(restricted));
        Assert.NotEqual(fake.AccountIdOf(alice), fake.AccountIdOf(bob));
    }

    [Fact]
    public async Task An_idempotency_key_replays_the_first_answer_and_refuses_other_parameters()
    {
        await using var fake = await FakeStripe.StartAsync();
        var sessions = new SessionService(Client(fake, fake.CreateAccount()));
        var options = new RequestOptions { IdempotencyKey = "checkout-doc_123" };

        var first = await sessions.CreateAsync(SessionOptions(), options);
        var second = await sessions.CreateAsync(SessionOptions(), options);
        Assert.Equal(first.Id, second.Id);

        var conflict = await Assert.ThrowsAsync<StripeException>(() => sessions.CreateAsync(SessionOptions(unitAmount: 9999), options));
        Assert.Equal("idempotency_error", conflict.StripeError.Type);
    }

    [Theory]
    [InlineData("jpy", 1500, "1,500 JPY")]
    [InlineData("krw", 20000, "20,000 KRW")]
    [InlineData("kwd", 1250, "1.250 KWD")]
    [InlineData("eur", 999, "9.99 EUR")]
    public async Task Amounts_are_in_the_currencys_minor_unit(string currency, long unitAmount, string shown)
    {
        await using var fake = await FakeStripe.StartAsync();
        var session = await new SessionService(Client(fake, fake.CreateAccount())).CreateAsync(SessionOptions(currency, unitAmount));
        Assert.Equal(unitAmount, session.AmountTotal);
        using var browser = Browser();
        Assert.Contains(shown, await browser.GetStringAsync(session.Url), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kwd", 1255, "last digit")]
    [InlineData("eur", 0, "greater than 0")]
    [InlineData("eur", -100, "Invalid integer")]
    [InlineData("eur", 20, "at least 0.50 EUR")]
    [InlineData("xyz", 1500, "Invalid currency")]
    public async Task Amounts_Stripe_refuses_are_refused(string currency, long unitAmount, string message)
    {
        await using var fake = await FakeStripe.StartAsync();
        var error = await Assert.ThrowsAsync<StripeException>(() => new SessionService(Client(fake, fake.CreateAccount())).CreateAsync(SessionOptions(currency, unitAmount)));
        Assert.Equal(HttpStatusCode.BadRequest, error.HttpStatusCode);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mixed_currencies_and_unknown_parameters_are_refused()
    {
        await using var fake = await FakeStripe.StartAsync();
        var sessions = new SessionService(Client(fake, fake.CreateAccount()));
        var mixed = SessionOptions();
        mixed.LineItems.Add(new SessionLineItemOptions
        {
            PriceData = new SessionLineItemPriceDataOptions { Currency = "usd", UnitAmount = 100, ProductData = new() { Name = "x" } }, Quantity = 1,
        });
        Assert.Contains("same currency", (await Assert.ThrowsAsync<StripeException>(() => sessions.CreateAsync(mixed))).Message, StringComparison.Ordinal);

        var unknown = SessionOptions();
        unknown.AllowPromotionCodes = true;
        var error = await Assert.ThrowsAsync<StripeException>(() => sessions.CreateAsync(unknown));
        Assert.Equal("parameter_unknown", error.StripeError.Code);
        Assert.Equal("allow_promotion_codes", error.StripeError.Param);
    }

    [Fact]
    public async Task An_unreachable_processor_makes_Stripe_net_throw()
    {
        await using var fake = await FakeStripe.StartAsync(new FakeStripeOptions { UnreachableMode = FakeStripeUnreachableMode.CloseConnection });
        var key = fake.CreateAccount();
        var client = new StripeClient(new StripeClientOptions { ApiKey = key, ApiBase = fake.ApiBaseUrl, HttpClient = new SystemNetHttpClient(maxNetworkRetries: 0) });
        fake.Unreachable = true;
        await Assert.ThrowsAnyAsync<Exception>(() => new SessionService(client).CreateAsync(SessionOptions()));

        fake.Unreachable = false;
        var session = await new SessionService(client).CreateAsync(SessionOptions());
        fake.Unreachable = true;
        Assert.ThrowsAny<Exception>(() => new SessionService(client).Get(session.Id));
    }

    [Fact]
    public async Task A_503_while_unreachable_is_a_StripeException_after_Stripe_nets_own_retries()
    {
        await using var fake = await FakeStripe.StartAsync(new FakeStripeOptions { UnreachableMode = FakeStripeUnreachableMode.ServiceUnavailable });
        var key = fake.CreateAccount();
        fake.Unreachable = true;
        var error = await Assert.ThrowsAsync<StripeException>(() => new SessionService(Client(fake, key)).CreateAsync(SessionOptions()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, error.HttpStatusCode);
        Assert.Equal("api_error", error.StripeError.Type);
    }

    [Fact]
    public async Task Events_list_filters_by_type_and_pages()
    {
        await using var fake = await FakeStripe.StartAsync();
        var key = fake.CreateAccount();
        var client = Client(fake, key);
        for (var i = 0; i < 3; i++)
        {
            var session = await new SessionService(client).CreateAsync(SessionOptions(documentId: $"doc_{i}"));
            await fake.PayAsync(session.Id);
        }
        var events = new EventService(client);

        var completed = await events.ListAsync(new EventListOptions { Type = "checkout.session.completed", Limit = 2 });
        Assert.Equal(2, completed.Data.Count);
        Assert.True(completed.HasMore);
        Assert.All(completed.Data, e => Assert.Equal("checkout.session.completed", e.Type));
        Assert.Equal("doc_2", ((Session)completed.Data[0].Data.Object).Metadata["document_id"]);
        var next = await events.ListAsync(new EventListOptions { Type = "checkout.session.completed", Limit = 2, StartingAfter = completed.Data[^1].Id });
        Assert.Equal("doc_0", ((Session)Assert.Single(next.Data).Data.Object).Metadata["document_id"]);
        Assert.False(next.HasMore);

        var all = await events.ListAsync(new EventListOptions { Limit = 100 });
        Assert.Equal(9, all.Data.Count);
        var one = await events.GetAsync(all.Data[0].Id);
        Assert.Equal(all.Data[0].Type, one.Type);
        Assert.Equal("charge.succeeded", one.Type);
        Assert.Empty((await new EventService(Client(fake, fake.CreateAccount())).ListAsync()).Data);
    }

    [Fact]
    public async Task Webhook_endpoints_come_from_the_wire_with_their_secret_once()
    {
        await using var fake = await FakeStripe.StartAsync();
        await using var sink = await StripeWebhookSink.StartAsync();
        var client = Client(fake, fake.CreateAccount());
        var endpoints = new WebhookEndpointService(client);
        var endpoint = await endpoints.CreateAsync(new WebhookEndpointCreateOptions { Url = sink.Url.ToString(), EnabledEvents = ["checkout.session.completed"] });
        Assert.StartsWith("whsec_", endpoint.Secret, StringComparison.Ordinal);
        var listed = Assert.Single((await endpoints.ListAsync()).Data);
        Assert.Equal(endpoint.Id, listed.Id);
        Assert.Null(listed.Secret);

        var session = await new SessionService(client).CreateAsync(SessionOptions());
        await fake.PayAsync(session.Id);
        await fake.WaitForWebhooksAsync();
        var only = Assert.Single(sink.Requests);
        Assert.Equal("checkout.session.completed", EventUtility.ConstructEvent(only.Body, only.Signature, endpoint.Secret).Type);
    }

    [Fact]
    public async Task Failed_deliveries_are_retried_until_one_succeeds()
    {
        await using var fake = await FakeStripe.StartAsync(new FakeStripeOptions { RetryDelays = [TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(10)] });
        await using var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        var (_, secret) = await fake.AddWebhookEndpointAsync(key, sink.Url, "checkout.session.completed");
        sink.Statuses.Enqueue(500);
        sink.Statuses.Enqueue(400);
        var session = await new SessionService(Client(fake, key)).CreateAsync(SessionOptions());
        await fake.PayAsync(session.Id);
        await fake.WaitForWebhooksAsync();

        Assert.Equal([500, 400, 200], fake.Deliveries.Select(d => d.Status ?? 0).ToArray());
        Assert.Equal([1, 2, 3], fake.Deliveries.Select(d => d.Attempt).ToArray());
        var bodies = sink.Requests.Select(r => EventUtility.ConstructEvent(r.Body, r.Signature, secret).Id).Distinct();
        Assert.Single(bodies);
    }

    [Fact]
    public async Task Held_replayed_tampered_and_forged_webhooks_are_what_the_abuse_tests_need()
    {
        await using var fake = await FakeStripe.StartAsync();
        await using var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        var (_, secret) = await fake.AddWebhookEndpointAsync(key, sink.Url, "checkout.session.completed");
        fake.HoldWebhooks = true;
        var session = await new SessionService(Client(fake, key)).CreateAsync(SessionOptions());
        await fake.PayAsync(session.Id);
        await fake.WaitForWebhooksAsync();
        Assert.Empty(sink.Requests);
        var held = fake.HeldEvents.Single(e => e.Type == "checkout.session.completed");

        // Held, then sent; then replayed: same id and body, a signature of its own time.
        Assert.True(Assert.Single(await fake.DeliverAsync(held.Id)).Succeeded);
        var replay = Assert.Single(await fake.DeliverAsync(held.Id));
        Assert.Equal(held.Payload, replay.Payload);
        var both = sink.Requests.ToList();
        Assert.Equal(2, both.Count);
        Assert.Equal(both[0].Body, both[1].Body);
        Assert.Equal(held.Id, EventUtility.ConstructEvent(both[1].Body, both[1].Signature, secret).Id);

        // Tampered amount: re-signed it passes the signature check (the receiver must compare it with its own record); under the old signature it does not.
        static JsonObject Cheaper(JsonObject evt)
        {
            evt["data"]!["object"]!["amount_total"] = 1;
            return evt;
        }
        var resigned = Assert.Single(await fake.DeliverAsync(held.Id, Cheaper, resign: true));
        Assert.Equal(1, ((Session)EventUtility.ConstructEvent(resigned.Payload, resigned.SignatureHeader, secret).Data.Object).AmountTotal);
        var unsigned = Assert.Single(await fake.DeliverAsync(held.Id, Cheaper, resign: false));
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(unsigned.Payload, unsigned.SignatureHeader, secret));

        // Forged (another secret) and stale (older than Stripe.net's 300 s tolerance).
        var forged = await fake.SendSignedAsync(sink.Url, held.Payload, "whsec_" + new string('f', 32));
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(forged.Payload, forged.SignatureHeader, secret));
        var stale = await fake.SendSignedAsync(sink.Url, held.Payload, secret, DateTimeOffset.UtcNow.AddMinutes(-10));
        var staleError = Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(stale.Payload, stale.SignatureHeader, secret));
        Assert.Contains("tolerance", staleError.Message, StringComparison.Ordinal);
        Assert.Equal(held.Id, EventUtility.ConstructEvent(stale.Payload, stale.SignatureHeader, secret, tolerance: 3600).Id);
    }

    [Fact]
    public async Task A_webhook_can_overtake_the_answer_that_created_the_session()
    {
        await using var fake = await FakeStripe.StartAsync();
        await using var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        await fake.AddWebhookEndpointAsync(key, sink.Url, "checkout.session.completed");
        fake.BeforeResponse = async request =>
        {
            if (request.Path == "/v1/checkout/sessions" && request.Status == 200)
            {
                await fake.PayAsync(JsonNode.Parse(request.ResponseBody)!["id"]!.GetValue<string>());
                await fake.WaitForWebhooksAsync();
            }
        };

        var session = await new SessionService(Client(fake, key)).CreateAsync(SessionOptions());

        // The completed event was delivered before Stripe.net returned, and the answer itself still says "open".
        Assert.Equal("open", session.Status);
        var completed = Assert.Single(sink.Requests);
        Assert.Contains(session.Id, completed.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_expire_by_the_API_or_by_time_and_say_so()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fake = await FakeStripe.StartAsync(new FakeStripeOptions { TimeProvider = clock });
        var client = Client(fake, fake.CreateAccount());
        var sessions = new SessionService(client);

        var expired = await sessions.ExpireAsync((await sessions.CreateAsync(SessionOptions())).Id);
        Assert.Equal("expired", expired.Status);
        Assert.Null(expired.Url);
        var again = await Assert.ThrowsAsync<StripeException>(() => sessions.ExpireAsync(expired.Id));
        Assert.Contains("can be expired", again.Message, StringComparison.Ordinal);

        var timed = await sessions.CreateAsync(SessionOptions());
        clock.Advance(TimeSpan.FromHours(25));
        using var browser = Browser();
        Assert.Contains("has expired", await browser.GetStringAsync(timed.Url), StringComparison.Ordinal);
        Assert.Equal("expired", (await sessions.GetAsync(timed.Id)).Status);
        Assert.Equal(2, fake.Events.Count(e => e.Type == "checkout.session.expired"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => fake.PayAsync(timed.Id));

        var tooLate = SessionOptions();
        tooLate.ExpiresAt = clock.GetUtcNow().UtcDateTime.AddHours(30);
        Assert.Contains("expires_at", (await Assert.ThrowsAsync<StripeException>(() => sessions.CreateAsync(tooLate))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dispute_emits_charge_dispute_created_and_marks_the_charge()
    {
        await using var fake = await FakeStripe.StartAsync();
        await using var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        var (_, secret) = await fake.AddWebhookEndpointAsync(key, sink.Url, "charge.dispute.created");
        var client = Client(fake, key);
        var intentId = await fake.PayAsync((await new SessionService(client).CreateAsync(SessionOptions())).Id);

        var disputeId = await fake.DisputeAsync(intentId);
        await fake.WaitForWebhooksAsync();
        var evt = EventUtility.ConstructEvent(Assert.Single(sink.Requests).Body, sink.Requests.Single().Signature, secret);
        var dispute = Assert.IsType<Dispute>(evt.Data.Object);
        Assert.Equal(disputeId, dispute.Id);
        Assert.Equal(1500, dispute.Amount);
        Assert.Equal(intentId, dispute.PaymentIntentId);
        Assert.True((await new PaymentIntentService(client).GetAsync(intentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] })).LatestCharge.Disputed);
    }

    [Fact]
    public void Stripes_bracket_notation_parses_into_nested_objects_and_arrays()
    {
        var pairs = StripeForm.Decode("mode=payment&line_items[1][quantity]=2&line_items[0][quantity]=1&line_items[0][price_data][unit_amount]=500"
            + "&metadata[document_id]=doc%20%C3%A9&expand[]=payment_intent&expand[]=line_items");
        var parsed = StripeForm.Parse(pairs);
        Assert.Equal("""{"mode":"payment","line_items":[{"quantity":"1","price_data":{"unit_amount":"500"}},{"quantity":"2"}],"metadata":{"document_id":"doc é"},"expand":["payment_intent","line_items"]}""",
            parsed.ToJsonString(new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        Assert.Equal(["mode", "line_items[0][quantity]", "line_items[0][price_data][unit_amount]", "line_items[1][quantity]", "metadata[document_id]", "expand[0]", "expand[1]"],
            StripeForm.Leaves(parsed).Select(l => l.Path).ToArray());
        Assert.Throws<FormatException>(() => StripeForm.Parse(StripeForm.Decode("a=1&a[b]=2")));
    }
}
