using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Sigill.Tests.Payments;

/// <summary>
/// A local stand-in for Stripe that speaks Stripe's wire protocol on 127.0.0.1, for the endpoints Sigill calls: Checkout
/// Sessions, Payment Intents, Refunds, Events and Webhook Endpoints. Stripe.net is pointed at it with
/// <c>new StripeClient(apiKey: key, apiBase: fake.ApiBaseUrl)</c> (no trailing slash: Stripe.net appends "/v1/…" to the
/// base as it is; the fake also accepts the doubled slash that <c>ApiBase.ToString()</c> would give).
/// Its shapes are checked against Stripe's OpenAPI description by FakeStripeConformanceTests (stripe-openapi-subset.json).
/// <para>Test API:</para>
/// <list type="bullet">
/// <item><see cref="StartAsync"/> / <see cref="DisposeAsync"/>; <see cref="ApiBase"/>, <see cref="ApiBaseUrl"/>; <see cref="ApiVersion"/> (Stripe.net's own, stamped on every event).</item>
/// <item><see cref="CreateAccount"/> returns a new secret key <c>sk_test_…</c>: one isolated account (another account's objects are 404 <c>resource_missing</c>);
/// <see cref="CreateRestrictedKey"/> a <c>rk_test_…</c> for the same account; <see cref="AccountIdOf"/> its <c>acct_…</c>.</item>
/// <item><see cref="AddWebhookEndpointAsync"/> registers a URL (as <c>POST /v1/webhook_endpoints</c> does) and returns its id and signing secret <c>whsec_…</c>.</item>
/// <item><see cref="PayAsync"/> pays a Checkout Session as the hosted page's form does (<c>GET/POST {base}/pay/{session}</c>): 4242424242424242 (visa) and
/// 5555555555554444 (mastercard) succeed, 4000000000000002 declines (<see cref="FakeStripeCardDeclinedException"/>). Success completes the session,
/// creates a PaymentIntent <c>pi_…</c> and a Charge <c>ch_…</c>, and emits <c>checkout.session.completed</c>, <c>payment_intent.succeeded</c>, <c>charge.succeeded</c>.</item>
/// <item>Webhooks go to every endpoint of the account whose enabled_events match, in the background, signed as Stripe signs
/// (<c>Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")</c>), retried after each of <see cref="FakeStripeOptions.RetryDelays"/> while the answer is not 2xx.
/// <see cref="WaitForWebhooksAsync"/> waits until every delivery under way has finished; <see cref="Deliveries"/> lists every attempt.</item>
/// <item><see cref="HoldWebhooks"/> queues new events instead of sending them; <see cref="DeliverAsync(string)"/> sends one event now (held, or already sent:
/// a replay — same id and payload, fresh signature timestamp); <see cref="DeliverAsync(string, Func{JsonObject, JsonObject}, bool)"/> sends a tampered
/// copy, re-signed with the real secret or under the original signature; <see cref="SendSignedAsync"/> posts any payload signed with any secret at any time;
/// <see cref="SignatureHeader"/> computes the header.</item>
/// <item><see cref="RefundFromDashboardAsync"/> refunds outside the API (emits <c>charge.refunded</c> and <c>refund.created</c>); <see cref="DisputeAsync"/> opens a dispute
/// (<c>charge.dispute.created</c>); <see cref="ExpireAsync"/> expires a session as its <c>expires_at</c> passing would (<c>checkout.session.expired</c>).</item>
/// <item><see cref="BeforeResponse"/> runs between handling a request and answering it (a webhook that overtakes the API answer).</item>
/// <item><see cref="Unreachable"/>: every <c>/v1/</c> request fails (<see cref="FakeStripeOptions.UnreachableMode"/>: connection closed, or 503); the hosted page stays up.</item>
/// <item><see cref="Requests"/>: every API request received (method, path, key, parsed form, idempotency key, status answered), to assert what Sigill sent;
/// <see cref="Events"/>: every event created; <see cref="GetObject"/>: a copy of any object as the API would render it.</item>
/// </list>
/// Amounts are integers in the currency's minor unit as Stripe defines it (JPY and KRW have none; KWD, BHD, JOD, OMR and TND have three decimals and Stripe
/// requires their last digit to be 0). Every member is thread-safe.
/// </summary>
public sealed partial class FakeStripe : IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly WebApplication _app;
    private readonly FakeStripeOptions _options;
    private readonly HttpClient _webhookClient;
    private readonly Dictionary<string, Account> _accountsByKey = new(StringComparer.Ordinal);
    private readonly List<FakeEvent> _events = [];
    private readonly List<FakeApiRequest> _requests = [];
    private readonly List<FakeDelivery> _deliveries = [];
    private readonly HashSet<string> _held = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();

    private FakeStripe(WebApplication app, FakeStripeOptions options, Uri apiBase)
    {
        _app = app;
        _options = options;
        ApiBase = apiBase;
        _webhookClient = new HttpClient(options.WebhookHandler ?? new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = options.WebhookTimeout };
        _webhookClient.DefaultRequestHeaders.UserAgent.ParseAdd("Stripe/1.0 (+https://stripe.com/docs/webhooks)");
    }

    /// <summary>Starts a fake on 127.0.0.1 with a free port.</summary>
    public static async Task<FakeStripe> StartAsync(FakeStripeOptions? options = null)
    {
        options ??= new FakeStripeOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        FakeStripe? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        fake = new FakeStripe(app, options, new Uri(address.TrimEnd('/') + "/"));
        return fake;
    }

    /// <summary>The fake's root, <c>http://127.0.0.1:port/</c>.</summary>
    public Uri ApiBase { get; }

    /// <summary><see cref="ApiBase"/> without the trailing slash: the form Stripe.net's <c>apiBase</c> expects.</summary>
    public string ApiBaseUrl => ApiBase.ToString().TrimEnd('/');

    /// <summary>The API version Stripe.net (this build's) pins; every event carries it.</summary>
    public static string ApiVersion => Stripe.StripeConfiguration.ApiVersion;

    /// <summary>When true, new events are queued instead of sent; <see cref="DeliverAsync(string)"/> or <see cref="DeliverHeldAsync"/> sends them.</summary>
    public bool HoldWebhooks { get; set; }

    /// <summary>When true, every <c>/v1/</c> request fails as <see cref="FakeStripeOptions.UnreachableMode"/> says.</summary>
    public bool Unreachable { get; set; }

    /// <summary>
    /// Runs after an API request has been handled and before its answer is sent: say, to pay a session and deliver its webhooks while
    /// Sigill still waits for the session it created (a webhook that arrives before the session is recorded), or to delay an answer.
    /// </summary>
    public Func<FakeApiRequest, Task>? BeforeResponse { get; set; }

    /// <summary>A new account; returns its secret key.</summary>
    public string CreateAccount()
    {
        var account = new Account(NewId("acct_", 16));
        var key = "sk_test_" + RandomToken(32);
        lock (_gate)
        {
            _accountsByKey[key] = account;
        }
        return key;
    }

    /// <summary>A restricted key (<c>rk_test_…</c>) for the account of <paramref name="secretKey"/>.</summary>
    public string CreateRestrictedKey(string secretKey)
    {
        var key = "rk_test_" + RandomToken(32);
        lock (_gate)
        {
            _accountsByKey[key] = AccountOf(secretKey);
        }
        return key;
    }

    /// <summary>The <c>acct_…</c> id of a key's account.</summary>
    public string AccountIdOf(string apiKey)
    {
        lock (_gate)
        {
            return AccountOf(apiKey).Id;
        }
    }

    /// <summary>Every API request received so far, in order.</summary>
    public IReadOnlyList<FakeApiRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>Every event created so far, oldest first.</summary>
    public IReadOnlyList<FakeEvent> Events
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>Every webhook delivery attempt so far, in order of completion.</summary>
    public IReadOnlyList<FakeDelivery> Deliveries
    {
        get
        {
            lock (_gate)
            {
                return [.. _deliveries];
            }
        }
    }

    /// <summary>A copy of an object (session, payment intent, charge, refund, dispute, event, webhook endpoint) as the API renders it, or null.</summary>
    public JsonObject? GetObject(string id)
    {
        lock (_gate)
        {
            foreach (var account in _accountsByKey.Values.Distinct())
            {
                if (account.Objects.TryGetValue(id, out var obj))
                {
                    return Render(account, obj);
                }
            }
            return null;
        }
    }

    /// <summary>Registers a webhook endpoint for the key's account, as <c>POST /v1/webhook_endpoints</c> does (all events unless <paramref name="enabledEvents"/> are given).</summary>
    public Task<(string Id, string Secret)> AddWebhookEndpointAsync(string apiKey, Uri url, params string[] enabledEvents)
    {
        lock (_gate)
        {
            var endpoint = CreateWebhookEndpoint(AccountOf(apiKey), url.ToString(), enabledEvents.Length == 0 ? ["*"] : enabledEvents, description: null);
            return Task.FromResult((endpoint["id"]!.GetValue<string>(), endpoint["secret"]!.GetValue<string>()));
        }
    }

    /// <summary>Pays an open Checkout Session with a test card, as the hosted page's form does; returns the PaymentIntent's id.</summary>
    /// <exception cref="FakeStripeCardDeclinedException">The card declines (4000000000000002, or any card that is not a test card).</exception>
    /// <exception cref="InvalidOperationException">The session is not open.</exception>
    public Task<string> PayAsync(string sessionId, string cardNumber = "4242424242424242", string? cardholderName = null)
    {
        string? problem;
        string? paymentIntent;
        lock (_gate)
        {
            var (account, session) = FindSession(sessionId) ?? throw new InvalidOperationException($"No such checkout session: {sessionId}");
            problem = TryPay(account, session, cardNumber, 12, (_options.TimeProvider.GetUtcNow().Year + 2) % 100, cardholderName, out paymentIntent);
        }
        if (problem is not null)
        {
            throw problem == SessionNotOpen ? new InvalidOperationException($"Checkout session {sessionId} is not open") : new FakeStripeCardDeclinedException(problem);
        }
        return Task.FromResult(paymentIntent!);
    }

    /// <summary>Expires an open session now, as its <c>expires_at</c> passing would: emits <c>checkout.session.expired</c>.</summary>
    public Task ExpireAsync(string sessionId)
    {
        lock (_gate)
        {
            var (account, session) = FindSession(sessionId) ?? throw new InvalidOperationException($"No such checkout session: {sessionId}");
            if (Str(session, "status") != "open")
            {
                throw new InvalidOperationException($"Checkout session {sessionId} is not open");
            }
            Expire(account, session, request: null);
        }
        return Task.CompletedTask;
    }

    /// <summary>A refund made outside Sigill (the Dashboard): refunds <paramref name="amount"/> (default: what remains) of the PaymentIntent's charge; returns the <c>re_…</c> id.</summary>
    public Task<string> RefundFromDashboardAsync(string paymentIntentId, long? amount = null)
    {
        lock (_gate)
        {
            var (account, intent) = FindObject(paymentIntentId, "payment_intent") ?? throw new InvalidOperationException($"No such payment_intent: {paymentIntentId}");
            var refund = CreateRefund(account, intent, amount, reason: "requested_by_customer", metadata: new JsonObject(), request: null, out var error);
            return refund is null ? throw new InvalidOperationException(error!.Message) : Task.FromResult(Str(refund, "id")!);
        }
    }

    /// <summary>The cardholder disputes the PaymentIntent's charge: emits <c>charge.dispute.created</c>; returns the <c>du_…</c> id.</summary>
    public Task<string> DisputeAsync(string paymentIntentId, string reason = "fraudulent")
    {
        lock (_gate)
        {
            var (account, intent) = FindObject(paymentIntentId, "payment_intent") ?? throw new InvalidOperationException($"No such payment_intent: {paymentIntentId}");
            return Task.FromResult(CreateDispute(account, intent, reason));
        }
    }

    /// <summary>Waits until every webhook delivery under way (retries included) has finished.</summary>
    public async Task WaitForWebhooksAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!_inFlight.IsEmpty)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("webhook deliveries still under way");
            }
            await Task.WhenAny(Task.WhenAll(_inFlight.Keys), Task.Delay(100));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_inFlight.Keys);
        }
        catch (Exception)
        {
            // Deliveries cancelled by the stop.
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
        _webhookClient.Dispose();
        _stopping.Dispose();
    }

    private Account AccountOf(string apiKey) =>
        _accountsByKey.TryGetValue(apiKey, out var account) ? account : throw new ArgumentException("unknown API key", nameof(apiKey));

    private (Account Account, JsonObject Session)? FindSession(string sessionId) => FindObject(sessionId, "checkout.session");

    private (Account Account, JsonObject Object)? FindObject(string id, string type)
    {
        foreach (var account in _accountsByKey.Values.Distinct())
        {
            if (account.Objects.TryGetValue(id, out var obj) && Str(obj, "object") == type)
            {
                RefreshExpiry(account, obj);
                return (account, obj);
            }
        }
        return null;
    }

    internal static string NewId(string prefix, int length = 24) => prefix + RandomToken(length);

    private static string RandomToken(int length) =>
        RandomNumberGenerator.GetString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", length);

    private sealed class Account(string id)
    {
        public string Id { get; } = id;
        /// <summary>Every object of the account by id (sessions, intents, charges, refunds, disputes, events, endpoints).</summary>
        public Dictionary<string, JsonObject> Objects { get; } = new(StringComparer.Ordinal);
        public List<JsonObject> WebhookEndpoints { get; } = [];
        public Dictionary<string, IdempotentResponse> Idempotency { get; } = new(StringComparer.Ordinal);
    }

    private sealed record IdempotentResponse(string Fingerprint, int Status, string Body);
}

/// <summary>How <see cref="FakeStripe"/> fails while <see cref="FakeStripe.Unreachable"/> is set.</summary>
public enum FakeStripeUnreachableMode
{
    /// <summary>The connection is closed without an answer (a network failure).</summary>
    CloseConnection,
    /// <summary>503 with Stripe's api_error JSON.</summary>
    ServiceUnavailable,
}

/// <summary>Settings of a <see cref="FakeStripe"/>.</summary>
public sealed class FakeStripeOptions
{
    /// <summary>The waits before each retry of a webhook delivery that did not get a 2xx (Stripe retries for days; the fake a few times quickly).</summary>
    public IReadOnlyList<TimeSpan> RetryDelays { get; init; } = [TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)];

    /// <summary>How long one delivery attempt may take.</summary>
    public TimeSpan WebhookTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The clock for created/expires_at and signature timestamps.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The handler webhooks are sent through (default: plain sockets).</summary>
    public HttpMessageHandler? WebhookHandler { get; init; }

    public FakeStripeUnreachableMode UnreachableMode { get; set; } = FakeStripeUnreachableMode.CloseConnection;
}

/// <summary>An API request the fake received.</summary>
/// <param name="Form">The decoded pairs as sent (body for POST, query for GET); <paramref name="Params"/> is their nested form.</param>
public sealed record FakeApiRequest(string Method, string Path, string? ApiKey, string? AccountId, IReadOnlyList<KeyValuePair<string, string>> Form,
    JsonObject Params, string? IdempotencyKey, string? StripeVersion, int Status, string ResponseBody);

/// <summary>An event the fake created: <paramref name="Payload"/> is the exact JSON every delivery sends.</summary>
public sealed record FakeEvent(string Id, string AccountId, string Type, string Payload, DateTimeOffset Created)
{
    public JsonObject Json => JsonNode.Parse(Payload)!.AsObject();
    /// <summary>The event's <c>data.object</c>.</summary>
    public JsonObject DataObject => Json["data"]!["object"]!.AsObject();
}

/// <summary>One attempt to deliver a webhook: <paramref name="Status"/> is null when no answer came (<paramref name="Error"/> says why).</summary>
public sealed record FakeDelivery(string EventId, string EndpointId, Uri Url, int Attempt, string Payload, string SignatureHeader, int? Status, string? Error, DateTimeOffset At)
{
    public bool Succeeded => Status is >= 200 and < 300;
}

/// <summary>The test card was declined; the message is the one the hosted page shows.</summary>
public sealed class FakeStripeCardDeclinedException : Exception
{
    public FakeStripeCardDeclinedException() { }
    public FakeStripeCardDeclinedException(string message) : base(message) { }
    public FakeStripeCardDeclinedException(string message, Exception inner) : base(message, inner) { }
}
