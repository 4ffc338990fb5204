using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Stripe;
using Stripe.Checkout;

namespace Sigill.Api.Features.Payments;

/// <summary>
/// Stripe, through Stripe.net, with hosted Checkout: the payer is sent to Stripe's page and back, so no page of Sigill
/// ever loads a card form or Stripe's scripts (PCI DSS SAQ A). Every call uses the organization's own key and goes to
/// <see cref="PaymentOptions.StripeApiBase"/>; tests point that at a local server speaking Stripe's protocol, and the code
/// path is the same. Events are read from their JSON (the few fields Sigill needs), after their signature is checked
/// as Stripe documents it (<see cref="VerifySignature"/>), so an account whose events use another API version still works.
/// </summary>
public sealed class StripeProcessor(PaymentOptions options, IHttpClientFactory httpClients) : IPaymentProcessor
{
    public const string HttpClientName = "stripe";

    public string Name => "stripe";

    public (string? Problem, string Mode) CheckKey(string apiKey)
    {
        ArgumentNullException.ThrowIfNull(apiKey);
        var mode = apiKey.StartsWith("sk_live_", StringComparison.Ordinal) || apiKey.StartsWith("rk_live_", StringComparison.Ordinal) ? "live" : "test";
        return (apiKey.StartsWith("sk_", StringComparison.Ordinal) || apiKey.StartsWith("rk_", StringComparison.Ordinal)) && apiKey.Length is >= 20 and <= 255
            && apiKey.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
            ? (null, mode)
            : ("apiKey must be a Stripe secret key (sk_live_…, sk_test_…) or restricted key (rk_…), as the Stripe dashboard shows it.", mode);
    }

    public string? CheckWebhookSecret(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        return secret.StartsWith("whsec_", StringComparison.Ordinal) && secret.Length is >= 20 and <= 255 && secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '/' or '=')
            ? null
            : "webhookSecret must be the webhook endpoint's signing secret (whsec_…) from the Stripe dashboard.";
    }

    public async Task<CheckoutStarted> StartCheckoutAsync(string apiKey, CheckoutRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        var metadata = new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal);
        var session = await CallAsync(() => new SessionService(Client(apiKey)).CreateAsync(new SessionCreateOptions
        {
            Mode = "payment",
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = request.Currency.ToLowerInvariant(),
                        UnitAmount = request.AmountMinor,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = request.Title },
                    },
                },
            ],
            Metadata = metadata,
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata },
            ClientReferenceId = metadata.GetValueOrDefault(PaymentMetadata.DocumentId),
            CustomerEmail = request.PayerEmail,
            SuccessUrl = request.SuccessUrl,
            CancelUrl = request.CancelUrl,
        }, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct));
        return new CheckoutStarted(session.Id, session.Url);
    }

    public async Task<ProcessorPayment> GetCheckoutAsync(string apiKey, string checkoutId, CancellationToken ct)
    {
        var session = await CallAsync(() => new SessionService(Client(apiKey)).GetAsync(checkoutId,
            new SessionGetOptions { Expand = ["payment_intent.latest_charge"] }, cancellationToken: ct));
        var card = session.PaymentIntent?.LatestCharge?.PaymentMethodDetails?.Card;
        return new ProcessorPayment(session.Id, session.PaymentIntentId ?? session.PaymentIntent?.Id, session.PaymentStatus == "paid",
            session.AmountTotal ?? 0, (session.Currency ?? "").ToUpperInvariant(), session.Metadata ?? [], card?.Brand, card?.Last4,
            session.PaymentIntent?.LatestCharge?.AmountRefunded ?? 0);
    }

    public async Task<ProcessorPayment> GetPaymentAsync(string apiKey, string paymentId, CancellationToken ct)
    {
        var intent = await CallAsync(() => new PaymentIntentService(Client(apiKey)).GetAsync(paymentId,
            new PaymentIntentGetOptions { Expand = ["latest_charge"] }, cancellationToken: ct));
        var card = intent.LatestCharge?.PaymentMethodDetails?.Card;
        return new ProcessorPayment(null, intent.Id, intent.Status == "succeeded", intent.AmountReceived > 0 ? intent.AmountReceived : intent.Amount,
            (intent.Currency ?? "").ToUpperInvariant(), intent.Metadata ?? [], card?.Brand, card?.Last4, intent.LatestCharge?.AmountRefunded ?? 0);
    }

    public async Task<ProcessorRefund> RefundAsync(string apiKey, string paymentId, long amountMinor, string idempotencyKey, CancellationToken ct)
    {
        var refund = await CallAsync(() => new RefundService(Client(apiKey)).CreateAsync(new RefundCreateOptions
        {
            PaymentIntent = paymentId,
            Amount = amountMinor,
            Metadata = new Dictionary<string, string> { ["sigill_refund"] = "true" },
        }, new RequestOptions { IdempotencyKey = idempotencyKey }, ct));
        return new ProcessorRefund(refund.Id, refund.Amount, refund.Status ?? "pending");
    }

    public Task ExpireCheckoutAsync(string apiKey, string checkoutId, CancellationToken ct) =>
        CallAsync(() => new SessionService(Client(apiKey)).ExpireAsync(checkoutId, cancellationToken: ct));

    public ProcessorEvent ReadEvent(byte[] payload, string? signature, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(payload);
        VerifySignature(payload, signature, secret, now, tolerance);
        return ParseEvent(payload);
    }

    public ProcessorEvent ParseEvent(byte[] payload)
    {
        try
        {
            using var json = JsonDocument.Parse(payload, new JsonDocumentOptions { MaxDepth = 64 });
            var root = json.RootElement;
            var id = Text(root, "id") ?? throw new PaymentEventRefusedException("The event has no id.");
            var type = Text(root, "type") ?? throw new PaymentEventRefusedException("The event has no type.");
            var created = DateTimeOffset.FromUnixTimeSeconds(Number(root, "created"));
            if (!root.TryGetProperty("data", out var data) || !data.TryGetProperty("object", out var o) || o.ValueKind != JsonValueKind.Object)
            {
                throw new PaymentEventRefusedException("The event has no data.object.");
            }
            var currency = Text(o, "currency")?.ToUpperInvariant();
            return type switch
            {
                "checkout.session.completed" or "checkout.session.async_payment_succeeded" => Checkout(id, type, created, o, currency),
                "payment_intent.succeeded" => new ProcessorEvent(id, type, created, ProcessorEventKind.PaymentSucceeded, Text(o, "id"),
                    new ProcessorPayment(null, Text(o, "id"), true, Number(o, "amount_received") is > 0 and var received ? received : Number(o, "amount"), currency ?? "", Metadata(o))),
                "charge.refunded" => new ProcessorEvent(id, type, created, ProcessorEventKind.Refunded, Reference(o, "payment_intent"), Amount: Number(o, "amount_refunded"), Currency: currency),
                "charge.dispute.created" or "charge.dispute.updated" or "charge.dispute.closed" or "charge.dispute.funds_withdrawn" or "charge.dispute.funds_reinstated" =>
                    new ProcessorEvent(id, type, created, ProcessorEventKind.Disputed, Reference(o, "payment_intent"), Amount: Number(o, "amount"), Currency: currency, DisputeStatus: Text(o, "status")),
                _ => new ProcessorEvent(id, type, created, ProcessorEventKind.Other, null),
            };
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new PaymentEventRefusedException("The event is not a Stripe event object.");
        }
    }

    private static ProcessorEvent Checkout(string id, string type, DateTimeOffset created, JsonElement o, string? currency)
    {
        var paid = Text(o, "payment_status") is "paid" or "no_payment_required";
        var payment = new ProcessorPayment(Text(o, "id"), Reference(o, "payment_intent"), paid, Number(o, "amount_total"), currency ?? "", Metadata(o));
        return new ProcessorEvent(id, type, created, paid ? ProcessorEventKind.PaymentSucceeded : ProcessorEventKind.PaymentPending, payment.PaymentId, payment);
    }

    /// <summary>
    /// Stripe's webhook signature: the header <c>Stripe-Signature: t=…,v1=…[,v1=…]</c>, where each <c>v1</c> is the hex
    /// HMAC-SHA256 of <c>{t}.{payload}</c> under the endpoint's secret (the whole <c>whsec_…</c> string is the key). The
    /// timestamp must be within <paramref name="tolerance"/> of now, so a captured event cannot be replayed later; replays
    /// inside the window find their event id already accepted. Comparisons are constant-time.
    /// </summary>
    public static void VerifySignature(byte[] payload, string? header, string secret, DateTimeOffset now, TimeSpan tolerance)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(secret);
        if (string.IsNullOrEmpty(header) || header.Length > 2000) throw new PaymentEventRefusedException("The request has no Stripe-Signature header.");
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var kv = part.Split('=', 2);
            if (kv.Length != 2) continue;
            if (kv[0].Trim() == "t" && long.TryParse(kv[1], NumberStyles.None, CultureInfo.InvariantCulture, out var t)) timestamp = t;
            else if (kv[0].Trim() == "v1" && kv[1].Length == 64)
            {
                try { signatures.Add(Convert.FromHexString(kv[1])); } catch (FormatException) { }
            }
        }
        if (timestamp is not { } at || signatures.Count == 0) throw new PaymentEventRefusedException("The Stripe-Signature header has no timestamp or no v1 signature.");
        var prefix = Encoding.UTF8.GetBytes(at.ToString(CultureInfo.InvariantCulture) + ".");
        var signed = new byte[prefix.Length + payload.Length];
        prefix.CopyTo(signed, 0);
        payload.CopyTo(signed, prefix.Length);
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), signed);
        if (!signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected))) throw new PaymentEventRefusedException("No signature in Stripe-Signature matches the payload.");
        if (Math.Abs(now.ToUnixTimeSeconds() - at) > tolerance.TotalSeconds) throw new PaymentEventRefusedException("The event's signed timestamp is outside the tolerance (an old or replayed event).");
    }

    private StripeClient Client(string apiKey) => new(new StripeClientOptions
    {
        ApiKey = apiKey,
        ApiBase = options.StripeApiBase.TrimEnd('/'),
        HttpClient = new SystemNetHttpClient(httpClients.CreateClient(HttpClientName), maxNetworkRetries: 1),
    });

    /// <summary>Runs one call; Stripe's and the network's failures become <see cref="PaymentProcessorException"/>s with a message safe to show.</summary>
    private async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().WaitAsync(options.Timeout);
        }
        catch (StripeException e) when (e.HttpStatusCode is HttpStatusCode.TooManyRequests || (int)e.HttpStatusCode is >= 500 or 0)
        {
            throw new PaymentProcessorException("Stripe did not answer; try again in a moment.", unreachable: true, e);
        }
        catch (StripeException e)
        {
            throw new PaymentProcessorException("Stripe refused the request: " + (e.StripeError?.Message ?? e.Message), unreachable: false, e);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or TaskCanceledException or IOException)
        {
            throw new PaymentProcessorException("Stripe could not be reached; try again in a moment.", unreachable: true, e);
        }
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long Number(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) ? n : 0;

    /// <summary>An expandable reference: the id, or the expanded object's id.</summary>
    private static string? Reference(JsonElement o, string name) =>
        !o.TryGetProperty(name, out var v) ? null : v.ValueKind == JsonValueKind.String ? v.GetString() : v.ValueKind == JsonValueKind.Object ? Text(v, "id") : null;

    private static Dictionary<string, string> Metadata(JsonElement o)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (o.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in m.EnumerateObject().Take(50))
            {
                if (p.Value.ValueKind == JsonValueKind.String) result[p.Name] = p.Value.GetString()!;
            }
        }
        return result;
    }
}

/// <summary>The metadata keys that bind a checkout and its payment to a document and the revision that was signed.</summary>
public static class PaymentMetadata
{
    public const string DocumentId = "sigill_document_id";
    public const string OrganizationId = "sigill_organization_id";
    public const string SignedSha256 = "sigill_signed_sha256";
}
