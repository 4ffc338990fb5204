using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Sigill.Tests.Payments;

// Events and their delivery as Stripe's webhooks.
public sealed partial class FakeStripe
{
    /// <summary>Creates an event for the object as it is now, and sends it (or holds it) to the account's matching endpoints.</summary>
    private void Emit(Account account, string type, JsonObject obj, ApiRequestInfo? request, JsonObject? previousAttributes = null)
    {
        var data = new JsonObject { ["object"] = Render(account, obj) };
        if (previousAttributes is not null)
        {
            data["previous_attributes"] = previousAttributes.DeepClone();
        }
        var endpoints = account.WebhookEndpoints.Where(e => Enabled(e, type)).ToList();
        var created = _options.TimeProvider.GetUtcNow();
        var evt = new JsonObject
        {
            ["id"] = NewId("evt_"),
            ["object"] = "event",
            ["api_version"] = ApiVersion,
            ["created"] = created.ToUnixTimeSeconds(),
            ["data"] = data,
            ["livemode"] = false,
            ["pending_webhooks"] = endpoints.Count,
            ["request"] = new JsonObject { ["id"] = request?.Id, ["idempotency_key"] = request?.IdempotencyKey },
            ["type"] = type,
        };
        var id = Str(evt, "id")!;
        account.Objects[id] = evt;
        var payload = evt.ToJsonString(Indented);
        var fakeEvent = new FakeEvent(id, account.Id, type, payload, created);
        _events.Add(fakeEvent);
        if (HoldWebhooks)
        {
            _held.Add(id);
            return;
        }
        foreach (var endpoint in endpoints)
        {
            StartDelivery(fakeEvent, endpoint, retry: true);
        }
    }

    private static bool Enabled(JsonObject endpoint, string type) =>
        Str(endpoint, "status") == "enabled" && endpoint["enabled_events"]!.AsArray().Any(e => e!.GetValue<string>() is "*" || e.GetValue<string>() == type);

    /// <summary>The events held while <see cref="HoldWebhooks"/> was set and not delivered since, oldest first.</summary>
    public IReadOnlyList<FakeEvent> HeldEvents
    {
        get
        {
            lock (_gate)
            {
                return [.. _events.Where(e => _held.Contains(e.Id))];
            }
        }
    }

    /// <summary>Sends every held event, oldest first (one attempt each; no retries).</summary>
    public async Task<IReadOnlyList<FakeDelivery>> DeliverHeldAsync()
    {
        var deliveries = new List<FakeDelivery>();
        foreach (var evt in HeldEvents)
        {
            deliveries.AddRange(await DeliverAsync(evt.Id));
        }
        return deliveries;
    }

    /// <summary>
    /// Sends one event now to every matching endpoint of its account, one attempt each: a held event, or a replay of one already sent
    /// (same id and payload, fresh signature timestamp). Returns the attempts.
    /// </summary>
    public Task<IReadOnlyList<FakeDelivery>> DeliverAsync(string eventId) => DeliverAsync(eventId, tamper: null, resign: true);

    /// <summary>
    /// Sends the event with its JSON changed by <paramref name="tamper"/> (say, a different amount): signed anew with the endpoint's real secret when
    /// <paramref name="resign"/> (a payload the signature vouches for), or under the signature of the untampered payload (what an attacker who
    /// changes a captured request sends).
    /// </summary>
    public async Task<IReadOnlyList<FakeDelivery>> DeliverAsync(string eventId, Func<JsonObject, JsonObject>? tamper, bool resign = true)
    {
        FakeEvent evt;
        List<JsonObject> endpoints;
        lock (_gate)
        {
            evt = _events.FirstOrDefault(e => e.Id == eventId) ?? throw new ArgumentException($"no event {eventId}", nameof(eventId));
            _held.Remove(eventId);
            var account = _accountsByKey.Values.First(a => a.Id == evt.AccountId);
            endpoints = [.. account.WebhookEndpoints.Where(e => Enabled(e, evt.Type)).Select(e => (JsonObject)e.DeepClone())];
        }
        var payload = tamper is null ? evt.Payload : tamper(evt.Json).ToJsonString(Indented);
        var results = new List<FakeDelivery>();
        foreach (var endpoint in endpoints)
        {
            var secret = Str(endpoint, "secret")!;
            var at = _options.TimeProvider.GetUtcNow();
            var header = SignatureHeader(resign ? payload : evt.Payload, secret, at);
            results.Add(await AttemptAsync(evt.Id, Str(endpoint, "id")!, new Uri(Str(endpoint, "url")!), 1, payload, header, _stopping.Token));
        }
        return results;
    }

    /// <summary>
    /// Posts any payload to any URL as Stripe would, signed with <paramref name="secret"/> at <paramref name="timestamp"/> (default now): for forged
    /// signatures (a wrong secret), stale timestamps and hand-made events. One attempt.
    /// </summary>
    public Task<FakeDelivery> SendSignedAsync(Uri url, string payload, string secret, DateTimeOffset? timestamp = null) =>
        AttemptAsync(eventId: "", endpointId: "", url, 1, payload, SignatureHeader(payload, secret, timestamp ?? _options.TimeProvider.GetUtcNow()), _stopping.Token);

    /// <summary>Stripe's signature header: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.payload")&gt;</c> (the whole secret, <c>whsec_</c> included, is the key).</summary>
    public static string SignatureHeader(string payload, string secret, DateTimeOffset timestamp)
    {
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(t + "." + payload));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    private void StartDelivery(FakeEvent evt, JsonObject endpoint, bool retry)
    {
        var secret = Str(endpoint, "secret")!;
        var endpointId = Str(endpoint, "id")!;
        var url = new Uri(Str(endpoint, "url")!);
        var token = _stopping.Token;
        // The task removes itself from _inFlight when done; it waits for "registered" so that it is in the set before it can leave it.
        var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Task task = null!;
        task = Task.Run(async () =>
        {
            await registered.Task;
            try
            {
                var delays = retry ? _options.RetryDelays : [];
                for (var attempt = 1; ; attempt++)
                {
                    var header = SignatureHeader(evt.Payload, secret, _options.TimeProvider.GetUtcNow());
                    var result = await AttemptAsync(evt.Id, endpointId, url, attempt, evt.Payload, header, token);
                    if (result.Succeeded || attempt > delays.Count || token.IsCancellationRequested)
                    {
                        return;
                    }
                    await Task.Delay(delays[attempt - 1], token);
                }
            }
            catch (OperationCanceledException)
            {
                // The fake is stopping.
            }
            finally
            {
                _inFlight.TryRemove(task, out _);
            }
        }, CancellationToken.None);
        _inFlight.TryAdd(task, 0);
        registered.SetResult();
    }

    private async Task<FakeDelivery> AttemptAsync(string eventId, string endpointId, Uri url, int attempt, string payload, string signature, CancellationToken token)
    {
        int? status = null;
        string? error = null;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, url);
            message.Content = new StringContent(payload, Encoding.UTF8);
            message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json; charset=utf-8");
            message.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
            message.Headers.Accept.ParseAdd("*/*; q=0.5, application/xml");
            message.Headers.CacheControl = new CacheControlHeaderValue { NoCache = true };
            using var response = await _webhookClient.SendAsync(message, token);
            status = (int)response.StatusCode;
        }
        catch (HttpRequestException e)
        {
            error = e.Message;
        }
        catch (TaskCanceledException e) when (!token.IsCancellationRequested)
        {
            error = "timed out: " + e.Message;
        }
        var delivery = new FakeDelivery(eventId, endpointId, url, attempt, payload, signature, status, error, _options.TimeProvider.GetUtcNow());
        lock (_gate)
        {
            _deliveries.Add(delivery);
        }
        return delivery;
    }
}
