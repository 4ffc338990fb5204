using System.Net;
using System.Text.Json.Nodes;
using Stripe;
using Stripe.Checkout;

namespace Sigill.Tests.Payments;

/// <summary>
/// The fake against Stripe's published OpenAPI description (the vendored subset, see README.md beside it): every parameter Stripe.net
/// sent is declared for its operation, and every object the fake answered or sent in a webhook is declared, typed and complete as the
/// description says. A flow through Stripe.net's real services covers every operation of the subset.
/// </summary>
public sealed class FakeStripeConformanceTests
{
    private static readonly StripeOpenApi Spec = StripeOpenApi.Load();

    /// <summary>Create a session, pay it on the hosted page, read it back expanded, refund, dispute, expire another, page through events, manage endpoints, and some errors.</summary>
    private static async Task<(FakeStripe Fake, StripeWebhookSink Sink, string Secret)> RunFlowAsync()
    {
        var fake = await FakeStripe.StartAsync();
        var sink = await StripeWebhookSink.StartAsync();
        var key = fake.CreateAccount();
        var client = FakeStripeTests.Client(fake, key);

        var endpoint = await new WebhookEndpointService(client).CreateAsync(new WebhookEndpointCreateOptions
        {
            Url = sink.Url.ToString(), EnabledEvents = ["*"], Description = "Sigill", Metadata = new Dictionary<string, string> { ["env"] = "test" },
        });
        await new WebhookEndpointService(client).ListAsync();

        var options = FakeStripeTests.SessionOptions();
        options.ExpiresAt = DateTime.UtcNow.AddHours(2);
        options.SubmitType = "pay";
        options.LineItems[0].PriceData.ProductData.Description = "Envelope env_1: 3 signers";
        options.PaymentIntentData.Description = "Sigill envelope env_1";
        var sessions = new SessionService(client);
        var session = await sessions.CreateAsync(options);

        using (var browser = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }))
        {
            using var paid = await browser.PostAsync(session.Url, new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["cardnumber"] = "4242424242424242", ["exp"] = "12/34", ["cvc"] = "123", ["name"] = "Ada Payer",
            }));
            Assert.Equal(HttpStatusCode.SeeOther, paid.StatusCode);
        }
        var read = await sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["payment_intent.latest_charge"] });
        await sessions.GetAsync(session.Id, new SessionGetOptions { Expand = ["payment_intent"] });
        var intent = await new PaymentIntentService(client).GetAsync(read.PaymentIntentId, new PaymentIntentGetOptions { Expand = ["latest_charge"] });
        await new PaymentIntentService(client).GetAsync(read.PaymentIntentId);

        var refunds = new RefundService(client);
        var refund = await refunds.CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = intent.Id, Amount = 500, Reason = "requested_by_customer", Metadata = new Dictionary<string, string> { ["envelope"] = "env_1" },
        });
        await refunds.GetAsync(refund.Id);
        await Assert.ThrowsAsync<StripeException>(() => refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id, Amount = 100_000 }));
        await fake.RefundFromDashboardAsync(intent.Id, 100);
        await refunds.CreateAsync(new RefundCreateOptions { PaymentIntent = intent.Id });
        await fake.DisputeAsync(intent.Id);

        await sessions.ExpireAsync((await sessions.CreateAsync(FakeStripeTests.SessionOptions())).Id);

        var events = new EventService(client);
        var page = await events.ListAsync(new EventListOptions { Limit = 3, Type = "*" });
        await events.ListAsync(new EventListOptions { Limit = 3, StartingAfter = page.Data[^1].Id });
        await events.ListAsync(new EventListOptions { Type = "charge.refunded" });
        await events.GetAsync(page.Data[0].Id);

        // Errors answer with Stripe's error object too.
        await Assert.ThrowsAsync<StripeException>(() => sessions.GetAsync("cs_test_missing"));
        await Assert.ThrowsAsync<StripeException>(() => new SessionService(FakeStripeTests.Client(fake, "sk_test_unknown")).GetAsync(session.Id));

        await fake.WaitForWebhooksAsync();
        return (fake, sink, endpoint.Secret);
    }

    private static string Lines(IEnumerable<string> problems) => string.Join("\n", problems);

    [Fact]
    public async Task Every_parameter_Stripe_net_sent_is_declared_by_the_operations_request_schema()
    {
        var (fake, sink, _) = await RunFlowAsync();
        await using var _fake = fake;
        await using var _sink = sink;

        var problems = fake.Requests.SelectMany(r => Spec.CheckRequest(r.Method, r.Path, r.Params)).ToList();
        Assert.True(problems.Count == 0, Lines(problems));

        // The flow sent nested bracket keys, and the check walked them.
        var create = fake.Requests.First(r => r.Path == "/v1/checkout/sessions");
        Assert.Contains(create.Form, p => p.Key == "line_items[0][price_data][product_data][name]");
        Assert.Contains(create.Form, p => p.Key == "payment_intent_data[metadata][document_id]");
        Assert.Contains(fake.Requests, r => r.Form.Any(p => p.Key == "expand[0]" && p.Value == "payment_intent.latest_charge"));
    }

    [Fact]
    public async Task Every_response_and_every_webhook_object_is_declared_typed_and_complete()
    {
        var (fake, sink, secret) = await RunFlowAsync();
        await using var _fake = fake;
        await using var _sink = sink;

        var problems = fake.Requests.SelectMany(r => Spec.CheckResponse(r.Method, r.Path, r.Status, JsonNode.Parse(r.ResponseBody))).ToList();
        Assert.Contains(fake.Requests, r => r.Status == 400);
        Assert.Contains(fake.Requests, r => r.Status == 401);
        Assert.Contains(fake.Requests, r => r.Status == 404);

        // Events as delivered: the event itself, and its data.object against the schema of the object it carries.
        var delivered = sink.Requests.Select(r => JsonNode.Parse(r.Body)!.AsObject()).ToList();
        Assert.Equal(fake.Events.Count, delivered.Count);
        foreach (var evt in delivered)
        {
            var where = $"event {evt["type"]}";
            problems.AddRange(Spec.CheckObject(evt, "event", where));
            var obj = evt["data"]!["object"]!;
            problems.AddRange(Spec.CheckObject(obj, obj["object"]!.GetValue<string>(), where + " data.object"));
        }
        Assert.True(problems.Count == 0, Lines(problems));

        Assert.Equal(["charge", "checkout.session", "dispute", "payment_intent", "refund"],
            delivered.Select(e => e["data"]!["object"]!["object"]!.GetValue<string>()).Distinct().Order(StringComparer.Ordinal).ToArray());
        Assert.All(sink.Requests, r => EventUtility.ConstructEvent(r.Body, r.Signature, secret));
    }

    [Fact]
    public async Task The_flow_exercises_every_operation_of_the_subset()
    {
        var (fake, sink, _) = await RunFlowAsync();
        await using var _fake = fake;
        await using var _sink = sink;

        var exercised = fake.Requests.Select(r => Spec.OperationOf(r.Method, r.Path)).OfType<(string, string)>().ToHashSet();
        var missed = Spec.Operations.Where(op => !exercised.Contains(op)).Select(op => $"{op.Method} {op.Path}").ToList();
        Assert.True(missed.Count == 0, "not exercised: " + string.Join(", ", missed));
        // And every request the fake answers is one of the subset's operations.
        Assert.All(fake.Requests, r => Assert.NotNull(Spec.OperationOf(r.Method, r.Path)));
    }

    [Fact]
    public async Task Stripe_net_deserializes_what_the_fake_answers()
    {
        var (fake, sink, secret) = await RunFlowAsync();
        await using var _fake = fake;
        await using var _sink = sink;
        var key = fake.Requests.First().ApiKey!;
        var client = FakeStripeTests.Client(fake, key);

        var sessionId = fake.Events.First(e => e.Type == "checkout.session.completed").DataObject["id"]!.GetValue<string>();
        var session = await new SessionService(client).GetAsync(sessionId, new SessionGetOptions { Expand = ["payment_intent.latest_charge"] });
        Assert.Equal(1500, session.AmountTotal);
        Assert.Equal(1500, session.AmountSubtotal);
        Assert.Equal("eur", session.Currency);
        Assert.Equal("complete", session.Status);
        Assert.Equal("de", session.Locale);
        Assert.Equal("payer@example.com", session.CustomerEmail);
        Assert.Equal("payer@example.com", session.CustomerDetails.Email);
        Assert.Equal("hosted_page", session.UiMode);
        Assert.Equal(new[] { "card" }, session.PaymentMethodTypes);
        var charge = session.PaymentIntent.LatestCharge;
        Assert.Equal("4242", charge.PaymentMethodDetails.Card.Last4);
        Assert.Equal("visa", charge.PaymentMethodDetails.Card.Brand);
        Assert.Equal("card", charge.PaymentMethodDetails.Type);
        Assert.Equal(1500, charge.AmountRefunded);
        Assert.True(charge.Refunded);
        Assert.True(charge.Disputed);
        Assert.Equal("Sigill envelope env_1", session.PaymentIntent.Description);
        Assert.Equal("doc_123", charge.Metadata["document_id"]);

        var refunded = fake.Events.Last(e => e.Type == "charge.refunded");
        var parsed = EventUtility.ConstructEvent(sink.Requests.Single(r => r.Body == refunded.Payload).Body,
            sink.Requests.Single(r => r.Body == refunded.Payload).Signature, secret);
        Assert.Equal(1500, Assert.IsType<Charge>(parsed.Data.Object).AmountRefunded);
        Assert.Equal(600, refunded.Json["data"]!["previous_attributes"]!["amount_refunded"]!.GetValue<long>());
    }

    [Fact]
    public async Task ConstructEvent_accepts_the_fakes_webhooks_and_refuses_a_tampered_body()
    {
        var (fake, sink, secret) = await RunFlowAsync();
        await using var _fake = fake;
        await using var _sink = sink;
        var completed = sink.Requests.First(r => r.Body.Contains("\"checkout.session.completed\"", StringComparison.Ordinal));

        var evt = EventUtility.ConstructEvent(completed.Body, completed.Signature, secret);
        Assert.Equal(FakeStripe.ApiVersion, evt.ApiVersion);
        Assert.True(EventUtility.IsCompatibleApiVersion(evt.ApiVersion));

        var tampered = completed.Body.Replace("\"amount_total\": 1500", "\"amount_total\": 1", StringComparison.Ordinal);
        Assert.NotEqual(completed.Body, tampered);
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(tampered, completed.Signature, secret));
        Assert.Throws<StripeException>(() => EventUtility.ConstructEvent(completed.Body, completed.Signature, "whsec_" + new string('0', 32)));
    }

    [Fact]
    public void The_check_has_teeth()
    {
        var session = JsonNode.Parse("""
            {"id":"cs_test_1","object":"checkout.session","created":1,"expires_at":2,"livemode":false,"mode":"payment",
             "payment_method_types":["card"],"payment_status":"unpaid","shipping_options":[],"custom_fields":[],"automatic_tax":{"enabled":false},
             "custom_text":{},"amount_total":1500}
            """)!;
        Assert.Empty(Spec.CheckObject(session, "checkout.session", "ok"));

        var undeclared = session.DeepClone();
        undeclared["amount_totl"] = 1500;
        Assert.Contains(Spec.CheckObject(undeclared, "checkout.session", "s"), p => p.Contains("amount_totl: not declared", StringComparison.Ordinal));
        var wrongType = session.DeepClone();
        wrongType["amount_total"] = "1500";
        Assert.Contains(Spec.CheckObject(wrongType, "checkout.session", "s"), p => p.Contains("amount_total", StringComparison.Ordinal));
        var notNullable = session.DeepClone();
        notNullable["mode"] = null;
        Assert.Contains(Spec.CheckObject(notNullable, "checkout.session", "s"), p => p.Contains("not nullable", StringComparison.Ordinal));
        var missing = session.DeepClone().AsObject();
        missing.Remove("payment_status");
        Assert.Contains(Spec.CheckObject(missing, "checkout.session", "s"), p => p.Contains("payment_status: required", StringComparison.Ordinal));
        var wrongObject = session.DeepClone();
        wrongObject["object"] = "charge";
        Assert.NotEmpty(Spec.CheckObject(wrongObject, "checkout.session", "s"));

        Assert.Empty(Spec.CheckRequest("POST", "/v1/checkout/sessions", StripeForm.Parse(StripeForm.Decode("mode=payment&line_items[0][price_data][unit_amount]=5&line_items[0][price_data][currency]=eur"))));
        Assert.Contains(Spec.CheckRequest("POST", "/v1/checkout/sessions", StripeForm.Parse(StripeForm.Decode("line_items[0][price_data][unit_amonut]=5"))),
            p => p.StartsWith("line_items[0][price_data][unit_amonut]: not declared", StringComparison.Ordinal));
        Assert.Contains(Spec.CheckRequest("POST", "/v1/checkout/sessions", StripeForm.Parse(StripeForm.Decode("line_items[0][quantity]=two"))),
            p => p.Contains("integer", StringComparison.Ordinal));
        Assert.NotEmpty(Spec.CheckRequest("POST", "/v1/checkout/sessions", StripeForm.Parse(StripeForm.Decode("payment_method_types[0]=card"))));
        Assert.NotEmpty(Spec.CheckRequest("GET", "/v1/events", StripeForm.Parse(StripeForm.Decode("limit=ten"))));
        Assert.NotEmpty(Spec.CheckRequest("GET", "/v1/events/evt_1", StripeForm.Parse(StripeForm.Decode("type=x"))));
        Assert.NotEmpty(Spec.CheckRequest("DELETE", "/v1/checkout/sessions/cs_1", []));
    }

    [Fact]
    public void The_vendored_subset_is_of_Stripe_nets_release_train_and_says_where_it_comes_from()
    {
        // Stripe.net accepts events of its own release train (the part after the dot); the subset must describe that train.
        Assert.Equal(Train(StripeConfiguration.ApiVersion), Train(Spec.Version));
        var source = Spec.Info["x-sigill-subset"]!;
        Assert.Matches("^https://github.com/stripe/openapi/blob/[0-9a-f]{40}/latest/openapi.spec3.json$", source["source"]!.GetValue<string>());
        var size = new FileInfo(Path.Combine(Path.GetDirectoryName(SourceFile())!, "stripe-openapi-subset.json")).Length;
        Assert.InRange(size, 10_000, 400_000);

        static string Train(string version) => version.Split('.')[1];
    }

    private static string SourceFile([System.Runtime.CompilerServices.CallerFilePath] string path = "") => path;
}
