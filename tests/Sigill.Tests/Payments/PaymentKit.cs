using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Sigill.Tests.Infrastructure;
using static Sigill.Tests.Documents.DocumentKit;

namespace Sigill.Tests.Payments;

/// <summary>One fake Stripe for the class, and one app per backend pointed at it (<c>Payments:StripeApiBase</c>).</summary>
public sealed class PaymentApps : IAsyncLifetime
{
    private readonly Dictionary<Backend, Task<SigillApp>> _apps = [];
    private readonly Lock _lock = new();

    public FakeStripe Stripe { get; private set; } = null!;

    internal Task<SigillApp> For(Backend backend)
    {
        lock (_lock)
        {
            if (!_apps.TryGetValue(backend, out var app))
            {
                // The web tier lets the payment page's form lead only to the processor's checkout origin: here, the fake's.
                _apps[backend] = app = SigillApp.StartAsync(backend,
                    $$"""{ "Payments": { "StripeApiBase": "{{Stripe.ApiBaseUrl}}" }, "Web": { "CheckoutOrigins": [ "{{Stripe.ApiBaseUrl}}" ] } }""");
            }
            return app;
        }
    }

    public async Task InitializeAsync() => Stripe = await FakeStripe.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var app in _apps.Values.Where(a => a.IsCompletedSuccessfully))
        {
            await (await app).DisposeAsync();
        }
        await Stripe.DisposeAsync();
    }
}

/// <summary>A quote with a pricing table, two signers (the first pays), sent; its organization connected to its own fake Stripe account.</summary>
internal sealed record Quote(SigillApp App, SigillApp.SetUpOrganization Org, HttpClient Sender, string DocumentId, string PayerId, string OtherId,
    string PayerEmail, string OtherEmail, string StripeKey, string WebhookUrl, string WebhookSecret) : IDisposable
{
    public void Dispose() => Sender.Dispose();

    public async Task<JsonElement> DocumentAsync() => JsonDocument.Parse(await Sender.GetStringAsync($"/api/v1/documents/{DocumentId}")).RootElement;

    public async Task<string> StatusAsync() => (await DocumentAsync()).GetProperty("status").GetString()!;

    public async Task<JsonElement> PaymentAsync() => (await DocumentAsync()).GetProperty("payment");

    public async Task<IReadOnlyList<string>> ActionsAsync() =>
        [.. JsonDocument.Parse(await Sender.GetStringAsync($"/api/v1/documents/{DocumentId}/activity")).RootElement.EnumerateArray().Select(e => e.GetProperty("action").GetString()!)];
}

internal static partial class PaymentKit
{
    /// <summary>1,250.00 + 25% tax on 2 × 500.00 = 1,250.00 EUR: the total to pay.</summary>
    public static readonly object Pricing = new
    {
        currency = "EUR",
        items = new object[] { new { description = "Consulting day", quantity = 2, unitPrice = 500.00m, taxPercent = 25 } },
    };

    public static async Task<Quote> QuoteAsync(SigillApp app, FakeStripe stripe, string organization, string region = "eu", object? pricing = null, bool send = true)
    {
        var org = await app.SetUpOrganizationAsync(organization, region);
        var sender = app.Web(org.ApiToken);
        var key = stripe.CreateAccount();
        var connected = await PutOkAsync(sender, "/api/v1/organization/payments", new { processor = "stripe", apiKey = key });
        var webhookUrl = connected.GetProperty("webhookUrl").GetString()!;
        var (_, secret) = await stripe.AddWebhookEndpointAsync(key, new Uri(webhookUrl));
        await PutOkAsync(sender, "/api/v1/organization/payments", new { webhookSecret = secret });
        var template = await PostOkAsync(sender, "/api/v1/templates", new { name = "Quote", body = "# Quote\n{{ pricing_table }}\nTotal {{ pricing.total }} {{ pricing.currency }}", variables = Array.Empty<string>() });
        var doc = await PostOkAsync(sender, "/api/v1/documents/from-template", new { templateId = template.GetProperty("id").GetString(), title = "Quote 2026-118", pricing = pricing ?? Pricing });
        var id = doc.GetProperty("id").GetString()!;
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (payerEmail, otherEmail) = ($"payer-{tag}@example.com", $"ceo-{tag}@example.com");
        var payer = await AddRecipientAsync(sender, id, "Pia Payer", payerEmail, order: 2);
        var other = await AddRecipientAsync(sender, id, "Otto Other", otherEmail, order: 1);
        await EnsureSignerFieldsAsync(sender, id);
        await PutOkAsync(sender, $"/api/v1/documents/{id}/payment", new { payerRecipientId = payer });
        if (send) await PostOkAsync(sender, $"/api/v1/documents/{id}/send", new { });
        return new Quote(app, org, sender, id, payer, other, payerEmail, otherEmail, key, webhookUrl, secret);
    }

    /// <summary>Both sign (the other signer first); returns the payer's sign result (with its payment link).</summary>
    public static async Task<JsonElement> SignBothAsync(Quote q)
    {
        var region = q.Org.Region;
        await SignAsync(q.App, LinkFor(q.App.DataDirectory, region, q.OtherEmail), new { typedName = "Otto Other" });
        return await SignAsync(q.App, LinkFor(q.App.DataDirectory, region, q.PayerEmail), new { typedName = "Pia Payer" });
    }

    [GeneratedRegex(@"/p/(sgpay_[a-z]+_[0-9a-z]{52})")]
    private static partial Regex PayLinkPattern();

    /// <summary>The newest payment link e-mailed to <paramref name="email"/>.</summary>
    public static string PayLinkFor(SigillApp app, string region, string email)
    {
        var folder = Path.Combine(app.DataDirectory, region, "outbox");
        foreach (var file in Directory.GetFiles(folder, "*.eml").Order(StringComparer.Ordinal).Reverse())
        {
            var text = File.ReadAllText(file).Replace("=\r\n", "", StringComparison.Ordinal).Replace("=\n", "", StringComparison.Ordinal);
            if (text.Contains(email, StringComparison.Ordinal) && PayLinkPattern().Match(text) is { Success: true } m) return m.Groups[1].Value;
        }
        throw new InvalidOperationException($"no payment link for {email}");
    }

    /// <summary>Starts a checkout through the payer's link; returns the Checkout Session's id.</summary>
    public static async Task<string> CheckoutAsync(Quote q, string payLink)
    {
        using var payer = q.App.Web();
        var url = (await PostOkAsync(payer, $"/api/v1/pay/{payLink}/checkout", new { })).GetProperty("url").GetString()!;
        return url.Split('/')[^1];
    }

    public static async Task<JsonElement> PutOkAsync(HttpClient client, string path, object body)
    {
        using var response = await client.PutAsJsonAsync(path, body);
        return await OkJsonAsync(response);
    }

    /// <summary>Waits (at most 30 s) until the document has <paramref name="status"/>: completion after a webhook runs through the job queue.</summary>
    public static async Task WaitForStatusAsync(Quote q, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string now;
        while ((now = await q.StatusAsync()) != status)
        {
            Assert.True(DateTime.UtcNow < deadline, $"document is {now}, not {status}");
            await Task.Delay(100);
        }
    }

    public static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out waiting for " + what);
            await Task.Delay(100);
        }
    }

    public static async Task<HttpResponseMessage> PostEventAsync(Quote q, string payload, string secret, DateTimeOffset? at = null)
    {
        using var client = q.App.Web();
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(q.WebhookUrl).PathAndQuery) { Content = new StringContent(payload, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Stripe-Signature", FakeStripe.SignatureHeader(payload, secret, at ?? DateTimeOffset.UtcNow));
        return await client.SendAsync(request);
    }

    public static void AssertStatus(HttpStatusCode expected, HttpResponseMessage response) => Assert.Equal(expected, response.StatusCode);
}
