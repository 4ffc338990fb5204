using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Identity;
using Sigill.Tests.Infrastructure;
using Sigill.Web;
using Sigill.Web.Payments;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Browser;

/// <summary>
/// Payments in the web tier, read as raw HTTP: the payer's page (<c>/p/{token}</c>) and its Content-Security-Policy, the
/// last signer's confirmation, the document page's payment box and the organization's Stripe settings. The processor
/// here is the real Stripe client pointed at a closed port (nothing is ever charged); the journey through a stand-in
/// Stripe's checkout is a browser test of its own.
/// </summary>
public sealed partial class PaymentPageHttpTests
{
    /// <summary>Shaped like Stripe's keys (the API checks only the shape until it calls Stripe), plainly not real ones.</summary>
    private static readonly string TestKey = "sk_test_" + new string('0', 24);
    private static readonly string TestWebhookSecret = "whsec_" + new string('0', 24);

    /// <summary>A checkout origin of the test's own, and a Stripe that cannot be reached (a closed port; no retries to wait for).</summary>
    private const string Config = """
        {
          "Web": { "CheckoutOrigins": [ "https://checkout.example.test" ] },
          "Payments": { "StripeApiBase": "http://127.0.0.1:9", "Timeout": "00:00:05" }
        }
        """;

    [Fact]
    public async Task A_wrong_or_malformed_payment_link_is_the_sites_404_page_with_the_usual_policy()
    {
        await using var app = await SigillApp.StartAsync();
        using var web = app.Web();
        var unknown = "sgpay_eu_" + new string('a', 52);
        foreach (var path in new[] { $"/p/{unknown}", "/p/not-a-link", $"/p/{unknown}/elsewhere", $"/p/{unknown}/return?checkout=cs_test_1", "/p/sgpay_zz_" + new string('a', 52) })
        {
            using var response = await web.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode}");
            Assert.Contains("id=\"error-page\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Contains("form-action 'self';", Csp(response), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_payers_page_lets_its_form_reach_only_the_configured_checkout_origin_and_says_when_the_processor_cannot_be_reached()
    {
        await using var app = await SigillApp.StartAsync(Config);
        var (_, api, id, link) = await SentDocumentWithPaymentAsync(app, "sven.sender@example.com");

        // The last signer signs through the recipient page: the confirmation says what is due and links to the payer's page.
        using var payer = app.Web();
        await payer.GetAsync($"/s/{link}");
        using (var consent = await payer.PostAsync("/s?handler=Consent", Form(await payer.GetStringAsync("/s"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, consent.StatusCode);
        }
        using (var pdf = await payer.GetAsync("/s/document.pdf")) // read before signing, as the page's viewer does
        {
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        }
        using (var sign = await payer.PostAsync("/s?handler=Sign", Form(await payer.GetStringAsync("/s"), ("SignatureMode", "type"), ("TypedName", "Pia Payer"))))
        {
            Assert.True(sign.StatusCode == HttpStatusCode.Redirect, await sign.Content.ReadAsStringAsync());
        }
        var done = WebUtility.HtmlDecode(await payer.GetStringAsync("/s"));
        Assert.Contains("Everyone has signed “Survey Heron-12”. Payment of 1,120.50 EUR is due", done, StringComparison.Ordinal);
        var payPath = PayNow().Match(done).Groups[1].Value;
        Assert.StartsWith("/p/sgpay_eu_", payPath, StringComparison.Ordinal);

        using var page = await payer.GetAsync(payPath);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Payment to Pay Pages AB for", html, StringComparison.Ordinal);
        Assert.Contains(">Pay 1,120.50 EUR</button>", html, StringComparison.Ordinal);
        Assert.Contains("You will pay on Stripe's secure page. Sigill never sees your card details.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("stripe.com", html, StringComparison.Ordinal); // no processor script or form on the page
        Assert.Equal("no-store", page.Headers.CacheControl!.ToString());

        // form-action names the configured checkout origin, and the policy is otherwise the one every page has.
        var csp = Csp(page);
        Assert.Contains("form-action 'self' https://checkout.example.test;", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("checkout.stripe.com", csp, StringComparison.Ordinal);
        using var start = await payer.GetAsync("/");
        Assert.Contains("form-action 'self';", Csp(start), StringComparison.Ordinal);
        Assert.Equal(WithoutNonces(Csp(start)).Replace("form-action 'self';", "form-action 'self' https://checkout.example.test;", StringComparison.Ordinal), WithoutNonces(csp));
        using (var signedPage = await payer.GetAsync("/s"))
        {
            Assert.Contains("form-action 'self';", Csp(signedPage), StringComparison.Ordinal);
        }

        // Pay: without the antiforgery token nothing happens; with it, Stripe unreachable says so and offers the button again.
        using (var forged = await payer.PostAsync($"{payPath}?handler=Checkout", new FormUrlEncodedContent([])))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }
        using var unreachable = await payer.PostAsync($"{payPath}?handler=Checkout", Form(html));
        var retry = WebUtility.HtmlDecode(await unreachable.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unreachable.StatusCode);
        Assert.Contains("The payment service could not be reached. Nothing was charged. Please try again in a moment.", retry, StringComparison.Ordinal);
        Assert.Contains(">Pay 1,120.50 EUR</button>", retry, StringComparison.Ordinal);
        Assert.Contains("form-action 'self' https://checkout.example.test;", Csp(unreachable), StringComparison.Ordinal);

        // Back from a checkout Stripe cannot confirm now: no second Pay button, a way to check again.
        using var back = await payer.GetAsync($"{payPath}/return?checkout=cs_test_a1");
        var backHtml = WebUtility.HtmlDecode(await back.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, back.StatusCode);
        Assert.Contains("could not be reached to confirm your payment", backHtml, StringComparison.Ordinal);
        Assert.Contains("id=\"check-again\"", backHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"pay\"", backHtml, StringComparison.Ordinal);

        var view = await api.GetFromJsonAsync<Sigill.Contracts.DocumentView>($"/api/v1/documents/{id}");
        Assert.Equal(("awaiting_payment", "awaiting"), (view!.Status, view.Payment!.Status));
    }

    [Fact]
    public async Task The_document_page_asks_for_a_connected_processor_shows_awaiting_payment_and_records_a_payment_made_outside_sigill()
    {
        await using var app = await SigillApp.StartAsync(Config);
        var (web, _, id, link) = await SentDocumentWithPaymentAsync(app, "dora.sender@example.com");
        var signed = await SignAsync(app, link, new { typedName = "Pia Payer" });
        Assert.Equal("awaiting_payment", signed.GetProperty("documentStatus").GetString());
        var payPath = signed.GetProperty("paymentLink").GetString()!;

        var page = WebUtility.HtmlDecode(await web.GetStringAsync($"/documents/{id}"));
        Assert.Contains("id=\"document-status\">Awaiting payment</span>", page, StringComparison.Ordinal);
        Assert.Contains("Awaiting payment from Pia Payer", page, StringComparison.Ordinal);
        Assert.Contains("1,120.50 EUR", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"refund-form\"", page, StringComparison.Ordinal); // nothing paid, nothing to refund
        Assert.Contains(">Awaiting payment</span>", await web.GetStringAsync("/documents"), StringComparison.Ordinal);
        var filtered = await web.GetStringAsync("/documents?status=awaiting_payment");
        Assert.Contains("Survey Heron-12", filtered, StringComparison.Ordinal);
        Assert.Contains("<option value=\"awaiting_payment\" selected=\"selected\">Awaiting payment</option>", filtered, StringComparison.Ordinal);

        // Paid by bank transfer: a reason is required, then the document completes and the payer's link stops working.
        using (var noReason = await web.PostAsync($"/documents/{id}?handler=PaidOutside", Form(page, ("reason", " "))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
            Assert.Contains("reason is required", await noReason.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var outside = await web.PostAsync($"/documents/{id}?handler=PaidOutside", Form(page, ("reason", "Bank transfer, reference 2026-118"))))
        {
            Assert.Equal(HttpStatusCode.Redirect, outside.StatusCode);
            Assert.Equal($"/documents/{id}?done=paid-outside#payment", outside.Headers.Location!.OriginalString);
        }
        var paid = WebUtility.HtmlDecode(await web.GetStringAsync($"/documents/{id}?done=paid-outside"));
        Assert.Contains("Marked as paid outside Sigill.", paid, StringComparison.Ordinal);
        Assert.Contains("Paid outside Sigill (recorded", paid, StringComparison.Ordinal);
        Assert.Contains("Bank transfer, reference 2026-118", paid, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"paid-outside-form\"", paid, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"refund-form\"", paid, StringComparison.Ordinal); // paid outside: refunded outside too
        // The payer opening their e-mail later learns it is paid, not that the page does not exist.
        var payerPage = WebUtility.HtmlDecode(await app.Web().GetStringAsync(payPath));
        Assert.Contains("Paid", payerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"pay-form\"", payerPage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_organization_page_shows_everyone_whether_stripe_is_connected_but_only_owners_and_admins_get_its_forms()
    {
        await using var app = await SigillApp.StartAsync();
        var owner = await IdentityKit.SignUpAsync(app, "olle.owner@example.com", "us", "Stripe Settings AB");
        using var ownerWeb = await SignedInAsync(app, "olle.owner@example.com");
        var ownerPage = await ownerWeb.GetStringAsync("/organization");
        Assert.Contains("id=\"payments-status\">Not connected.", ownerPage, StringComparison.Ordinal);
        Assert.Contains("id=\"payments-form\"", ownerPage, StringComparison.Ordinal);
        Assert.Contains("PCI DSS SAQ A", ownerPage, StringComparison.Ordinal);

        var others = new Dictionary<string, HttpClient>(StringComparer.Ordinal);
        using var asOwner = app.Web(owner.Session);
        foreach (var role in new[] { "viewer", "member" })
        {
            var email = $"{role}.payments@example.com";
            (await asOwner.PostAsJsonAsync("/api/v1/invitations", new { email, role })).EnsureSuccessStatusCode();
            var browser = app.Web();
            var invitation = $"/invitations/{IdentityKit.InvitationFor(app, email)}";
            using var accepted = await browser.PostAsync(invitation, Form(await browser.GetStringAsync(invitation), ("Name", $"A {role}"), ("Password", IdentityKit.Password)));
            Assert.Equal("/account", accepted.Headers.Location!.OriginalString);
            others[role] = browser;
            var theirs = await browser.GetStringAsync("/organization");
            Assert.Contains("id=\"payments-status\">Not connected.", theirs, StringComparison.Ordinal);
            Assert.DoesNotContain("id=\"payments-form\"", theirs, StringComparison.Ordinal);
            Assert.DoesNotContain("name=\"apiKey\"", theirs, StringComparison.Ordinal);
        }

        // The owner connects with the key alone (Stripe issues the signing secret only for the address Sigill then shows):
        // the page says one step is left; then the secret, and the step is done.
        using (var connected = await ownerWeb.PostAsync("/organization?handler=Payments", Form(ownerPage, ("apiKey", TestKey), ("webhookSecret", ""))))
        {
            Assert.Equal("/organization?done=payments", connected.Headers.Location!.OriginalString);
        }
        var halfway = await ownerWeb.GetStringAsync("/organization");
        Assert.Contains("id=\"payments-secret-missing\"", halfway, StringComparison.Ordinal);
        using (var secretSaved = await ownerWeb.PostAsync("/organization?handler=Payments", Form(halfway, ("apiKey", ""), ("webhookSecret", TestWebhookSecret))))
        {
            Assert.Equal("/organization?done=payments", secretSaved.Headers.Location!.OriginalString);
        }
        var after = WebUtility.HtmlDecode(await ownerWeb.GetStringAsync("/organization?done=payments"));
        Assert.Contains("Stripe (test mode)</strong>, connected", after, StringComparison.Ordinal);
        Assert.Matches("id=\"payments-webhook\">http://[^<]+/api/v1/payments/stripe/pac_us_[0-9a-z]{26}/events<", after);
        foreach (var e in Sigill.Web.Pages.OrganizationModel.PaymentEvents) Assert.Contains($"<code>{e}</code>", after, StringComparison.Ordinal);
        Assert.Contains("id=\"payments-disconnect\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"payments-secret-missing\"", after, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKey, after, StringComparison.Ordinal);
        Assert.DoesNotContain(TestWebhookSecret, after, StringComparison.Ordinal);

        // A viewer sees that it is connected, nothing to change, and a forged disconnect is refused by the API.
        var viewerPage = WebUtility.HtmlDecode(await others["viewer"].GetStringAsync("/organization"));
        Assert.Contains("Stripe (test mode)</strong>, connected", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("payments-webhook", viewerPage, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"payments-disconnect\"", viewerPage, StringComparison.Ordinal);
        using (var refused = await others["viewer"].PostAsync("/organization?handler=DisconnectPayments", Form(await others["viewer"].GetStringAsync("/account"))))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        Assert.Contains("Stripe (test mode)", await ownerWeb.GetStringAsync("/organization"), StringComparison.Ordinal);

        using (var disconnected = await ownerWeb.PostAsync("/organization?handler=DisconnectPayments", Form(after)))
        {
            Assert.Equal("/organization?done=payments-removed", disconnected.Headers.Location!.OriginalString);
        }
        Assert.Contains("id=\"payments-status\">Not connected.", await ownerWeb.GetStringAsync("/organization"), StringComparison.Ordinal);
        foreach (var browser in others.Values) browser.Dispose();
    }

    [Fact]
    public void The_web_tier_writes_each_currency_with_the_decimals_its_minor_unit_has()
    {
        Assert.Equal("1,235 JPY", PaymentText.Amount(1235m, "JPY"));
        Assert.Equal("12.500 KWD", PaymentText.Amount(12.5m, "KWD"));
        Assert.Equal("1,120.50 EUR", PaymentText.Amount(1120.5m, "EUR"));
    }

    [Fact]
    public void Checkout_origins_are_bare_origins_and_only_https_in_production()
    {
        static IReadOnlyList<string> Problems(string environment, params string[] origins) => new WebTierOptions
        {
            ApiBaseUrl = "http://127.0.0.1:1",
            ServiceCredential = new string('s', 32),
            Environment = environment,
            Tls = true,
            CookieKey = Convert.ToBase64String(new byte[32]),
            CheckoutOrigins = [.. origins],
        }.Validate();

        Assert.Empty(Problems("production"));
        Assert.Equal(["https://checkout.stripe.com"], new WebTierOptions().CheckoutOriginList);
        Assert.Empty(Problems("production", "https://checkout.stripe.com/"));
        Assert.Empty(Problems("development", "http://127.0.0.1:5123"));
        foreach (var bad in new[] { "https://checkout.stripe.com/pay", "https://*.stripe.com", "checkout.stripe.com", "https://user@checkout.stripe.com", "https://a.test; script-src *" })
        {
            Assert.Single(Problems("development", bad));
        }
        Assert.Single(Problems("production", "http://127.0.0.1:5123"));
    }

    /// <summary>
    /// A sender signed in through the pages (and with its API session), and a draft from a template whose pricing table
    /// totals 1,120.50 EUR: the page first says Stripe must be connected, then requires payment from the one signer; sent.
    /// </summary>
    private static async Task<(HttpClient Web, HttpClient Api, string DocumentId, string SigningLink)> SentDocumentWithPaymentAsync(SigillApp app, string email)
    {
        var account = await IdentityKit.SignUpAsync(app, email, "eu", "Pay Pages AB");
        var api = app.Web(account.Session);
        var web = await SignedInAsync(app, email);
        var template = await PostOkAsync(api, "/api/v1/templates", new { name = "Survey", body = "Survey for {{ customer }}\n\n{{ pricing_table }}", variables = new[] { "customer" } });
        var id = (await PostOkAsync(api, "/api/v1/documents/from-template", new
        {
            templateId = template.GetProperty("id").GetString(),
            title = "Survey Heron-12",
            variables = new Dictionary<string, string> { ["customer"] = "Pia Payer" },
            pricing = new { currency = "EUR", items = new object[] { new { description = "Survey", quantity = 1, unitPrice = 1120.50m } } },
        })).GetProperty("id").GetString()!;
        var signer = await AddRecipientAsync(api, id, "Pia Payer", "pia.payer@example.test");
        await AddFieldAsync(api, id, signer, "signature", 100);

        var draft = WebUtility.HtmlDecode(await web.GetStringAsync($"/documents/{id}"));
        Assert.Contains("Require payment of 1,120.50 EUR from", draft, StringComparison.Ordinal);
        using (var notConnected = await web.PostAsync($"/documents/{id}?handler=RequirePayment", Form(draft, ("payerRecipientId", signer))))
        {
            Assert.Equal(HttpStatusCode.Conflict, notConnected.StatusCode);
            Assert.Contains("<a href=\"/organization#payments\">", await notConnected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        (await api.PutAsJsonAsync("/api/v1/organization/payments", new { processor = "stripe", apiKey = TestKey, webhookSecret = TestWebhookSecret })).EnsureSuccessStatusCode();
        using (var required = await web.PostAsync($"/documents/{id}?handler=RequirePayment", Form(draft, ("payerRecipientId", signer))))
        {
            Assert.Equal($"/documents/{id}#payment", required.Headers.Location!.OriginalString);
        }
        var requiredPage = WebUtility.HtmlDecode(await web.GetStringAsync($"/documents/{id}"));
        Assert.Contains("pays 1,120.50 EUR on Stripe's page after the last signature", requiredPage, StringComparison.Ordinal);
        Assert.Contains("id=\"payment-stop\"", requiredPage, StringComparison.Ordinal);
        await PostOkAsync(api, $"/api/v1/documents/{id}/send", new { expiresInDays = 7 });
        return (web, api, id, LinkFor(app.DataDirectory, "eu", "pia.payer@example.test"));
    }

    /// <summary>A browser signed in through the sign-in page (cookies kept).</summary>
    private static async Task<HttpClient> SignedInAsync(SigillApp app, string email)
    {
        var web = app.Web();
        using var signedIn = await web.PostAsync("/sign-in", Form(await web.GetStringAsync("/sign-in"), ("Email", email), ("Password", IdentityKit.Password)));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        return web;
    }

    private static string Csp(HttpResponseMessage response) => string.Join(";", response.Headers.GetValues("Content-Security-Policy"));

    private static string WithoutNonces(string csp) => Nonce().Replace(csp, "'nonce'");

    private static FormUrlEncodedContent Form(string page, params (string Name, string Value)[] fields) => IdentityKit.Form(page, fields);

    [GeneratedRegex("'nonce-[^']+'")]
    private static partial Regex Nonce();

    [GeneratedRegex("href=\"(/p/sgpay_[a-z]+_[0-9a-z]{52})\" id=\"pay-now\"")]
    private static partial Regex PayNow();
}
