using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Sigill.Tests.Payments;

// The wire side: authentication, form decoding, idempotency, routing, errors and the API's endpoints.
public sealed partial class FakeStripe
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        while (path.StartsWith("//", StringComparison.Ordinal))
        {
            path = path[1..];
        }
        if (path.StartsWith("/pay/", StringComparison.Ordinal))
        {
            await HandlePageAsync(context, path["/pay/".Length..]);
            return;
        }
        if (!path.StartsWith("/v1/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = 404;
            return;
        }
        if (Unreachable)
        {
            if (_options.UnreachableMode == FakeStripeUnreachableMode.CloseConnection)
            {
                context.Abort();
                return;
            }
            await WriteJsonAsync(context, 503, ErrorBody("api_error", "The fake Stripe is unavailable (FakeStripe.Unreachable).", null, null), NewId("req_", 14));
            return;
        }

        var method = context.Request.Method;
        var encoded = context.Request.QueryString.Value ?? "";
        if (method == "POST")
        {
            using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            encoded = encoded.Length > 1 ? encoded.TrimStart('?') + "&" + body : body;
        }
        var apiKey = ApiKeyOf(context.Request.Headers.Authorization.ToString());
        var idempotencyKey = context.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } k ? k : null;
        var stripeVersion = context.Request.Headers["Stripe-Version"].ToString() is { Length: > 0 } v ? v : null;
        var requestId = NewId("req_", 14);

        IReadOnlyList<KeyValuePair<string, string>> pairs = [];
        var parameters = new JsonObject();
        int status;
        JsonNode responseBody;
        string? accountId = null;
        FakeApiRequest recorded;
        lock (_gate)
        {
            try
            {
                pairs = StripeForm.Decode(encoded);
                parameters = StripeForm.Parse(pairs);
                if (apiKey is null)
                {
                    throw new StripeError(401, "invalid_request_error",
                        "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
                }
                if (!_accountsByKey.TryGetValue(apiKey, out var account) || !(apiKey.StartsWith("sk_test_", StringComparison.Ordinal) || apiKey.StartsWith("rk_test_", StringComparison.Ordinal)))
                {
                    throw new StripeError(401, "invalid_request_error", $"Invalid API Key provided: {Mask(apiKey)}");
                }
                accountId = account.Id;
                var fingerprint = method + " " + path + "\n" + string.Join("&", pairs.Select(p => p.Key + "=" + p.Value));
                if (method == "POST" && idempotencyKey is not null && account.Idempotency.TryGetValue(idempotencyKey, out var earlier))
                {
                    if (earlier.Fingerprint != fingerprint)
                    {
                        throw new StripeError(400, "idempotency_error",
                            $"Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{idempotencyKey}' if you meant to execute a different request.");
                    }
                    status = earlier.Status;
                    responseBody = JsonNode.Parse(earlier.Body)!;
                    context.Response.Headers["Idempotent-Replayed"] = "true";
                }
                else
                {
                    (status, responseBody) = (200, Dispatch(account, method, path, parameters, new ApiRequestInfo(requestId, idempotencyKey)));
                    if (method == "POST" && idempotencyKey is not null)
                    {
                        account.Idempotency[idempotencyKey] = new IdempotentResponse(fingerprint, status, responseBody.ToJsonString());
                    }
                }
            }
            catch (StripeError error)
            {
                status = error.Status;
                responseBody = ErrorBody(error.Type, error.Message, error.Code, error.Param);
                if (accountId is not null && method == "POST" && idempotencyKey is not null && error.Type != "idempotency_error"
                    && _accountsByKey.TryGetValue(apiKey!, out var account))
                {
                    account.Idempotency.TryAdd(idempotencyKey, new IdempotentResponse(
                        method + " " + path + "\n" + string.Join("&", pairs.Select(p => p.Key + "=" + p.Value)), status, responseBody.ToJsonString()));
                }
            }
            catch (FormatException error)
            {
                status = 400;
                responseBody = ErrorBody("invalid_request_error", error.Message, "parameter_invalid_string", null);
            }
            catch (Exception error) when (error is not StripeError)
            {
                // A bug in the fake: say so the way Stripe reports its own failures, with the details a test needs.
                status = 500;
                responseBody = ErrorBody("api_error", "FakeStripe failed: " + error, null, null);
            }
            recorded = new FakeApiRequest(method, path, apiKey, accountId, pairs, (JsonObject)parameters.DeepClone(), idempotencyKey, stripeVersion, status,
                responseBody.ToJsonString());
            _requests.Add(recorded);
        }
        if (BeforeResponse is { } hook)
        {
            await hook(recorded);
        }
        await WriteJsonAsync(context, status, responseBody, requestId);
    }

    private static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body, string requestId)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.Headers["Request-Id"] = requestId;
        context.Response.Headers["Stripe-Version"] = ApiVersion;
        await context.Response.WriteAsync(body.ToJsonString(Indented));
    }

    private static string? ApiKeyOf(string authorization)
    {
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return authorization["Bearer ".Length..].Trim();
        }
        if (authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(authorization["Basic ".Length..].Trim()));
                return decoded.Split(':')[0];
            }
            catch (FormatException)
            {
                return "";
            }
        }
        return null;
    }

    private static string Mask(string key) => key.Length <= 12 ? key : key[..8] + new string('*', Math.Max(0, key.Length - 12)) + key[^4..];

    private static JsonObject ErrorBody(string type, string message, string? code, string? param)
    {
        var error = new JsonObject();
        if (code is not null)
        {
            error["code"] = code;
            error["doc_url"] = "https://stripe.com/docs/error-codes/" + code.Replace('_', '-');
        }
        error["message"] = message;
        if (param is not null)
        {
            error["param"] = param;
        }
        error["type"] = type;
        return new JsonObject { ["error"] = error };
    }

    private sealed record ApiRequestInfo(string Id, string? IdempotencyKey);

    /// <summary>An error the API answers with Stripe's error JSON.</summary>
    private sealed class StripeError(int status, string type, string message, string? code = null, string? param = null) : Exception(message)
    {
        public int Status { get; } = status;
        public string Type { get; } = type;
        public string? Code { get; } = code;
        public string? Param { get; } = param;
    }

    private static StripeError Missing(string param) => new(400, "invalid_request_error", $"Missing required param: {param}.", "parameter_missing", param);
    private static StripeError Invalid(string param, string message, string code = "parameter_invalid_string") => new(400, "invalid_request_error", message, code, param);

    private static StripeError NoSuch(string type, string id, string param = "id") =>
        new(404, "invalid_request_error", $"No such {type}: '{id}'", "resource_missing", param);

    [GeneratedRegex("^/v1/checkout/sessions/([^/]+)$")]
    private static partial Regex SessionPath();
    [GeneratedRegex("^/v1/checkout/sessions/([^/]+)/expire$")]
    private static partial Regex SessionExpirePath();
    [GeneratedRegex("^/v1/payment_intents/([^/]+)$")]
    private static partial Regex PaymentIntentPath();
    [GeneratedRegex("^/v1/refunds/([^/]+)$")]
    private static partial Regex RefundPath();
    [GeneratedRegex("^/v1/events/([^/]+)$")]
    private static partial Regex EventPath();

    private JsonNode Dispatch(Account account, string method, string path, JsonObject p, ApiRequestInfo request)
    {
        Match m;
        switch (method)
        {
            case "POST" when path == "/v1/checkout/sessions":
                return CreateSession(account, p, request);
            case "GET" when (m = SessionPath().Match(path)).Success:
                Allow(p, "expand");
                return Render(account, Lookup(account, m.Groups[1].Value, "checkout.session", "checkout.session"), Expansions(p));
            case "POST" when (m = SessionExpirePath().Match(path)).Success:
                {
                    Allow(p, "expand");
                    var session = Lookup(account, m.Groups[1].Value, "checkout.session", "checkout.session");
                    if (Str(session, "status") != "open")
                    {
                        throw new StripeError(400, "invalid_request_error",
                            $"Only Checkout Sessions with a status in [\"open\"] can be expired. This Checkout Session has a status of \"{Str(session, "status")}\".");
                    }
                    Expire(account, session, request);
                    return Render(account, session, Expansions(p));
                }
            case "GET" when (m = PaymentIntentPath().Match(path)).Success:
                Allow(p, "expand", "client_secret");
                return Render(account, Lookup(account, m.Groups[1].Value, "payment_intent", "payment_intent", "intent"), Expansions(p));
            case "POST" when path == "/v1/refunds":
                return CreateRefund(account, p, request);
            case "GET" when (m = RefundPath().Match(path)).Success:
                Allow(p, "expand");
                return Render(account, Lookup(account, m.Groups[1].Value, "refund", "refund", "refund"), Expansions(p));
            case "GET" when (m = EventPath().Match(path)).Success:
                Allow(p, "expand");
                return Render(account, Lookup(account, m.Groups[1].Value, "event", "event"), Expansions(p));
            case "GET" when path == "/v1/events":
                return ListEvents(account, p);
            case "POST" when path == "/v1/webhook_endpoints":
                {
                    Allow(p, "url", "enabled_events", "description", "metadata", "api_version", "expand");
                    var url = Str(p, "url") ?? throw Missing("url");
                    if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || (parsed.Scheme != "http" && parsed.Scheme != "https"))
                    {
                        throw Invalid("url", "Invalid URL: " + url, "url_invalid");
                    }
                    var enabled = (p["enabled_events"] as JsonArray ?? throw Missing("enabled_events")).Select(e => e!.GetValue<string>()).ToArray();
                    if (enabled.Length == 0)
                    {
                        throw Missing("enabled_events");
                    }
                    return CreateWebhookEndpoint(account, url, enabled, Str(p, "description"), p["metadata"] as JsonObject);
                }
            case "GET" when path == "/v1/webhook_endpoints":
                {
                    Allow(p, "limit", "starting_after", "ending_before", "expand");
                    var data = new JsonArray([.. account.WebhookEndpoints.AsEnumerable().Reverse().Select(e => (JsonNode)WithoutSecret(e))]);
                    return new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = false, ["url"] = "/v1/webhook_endpoints" };
                }
            default:
                throw new StripeError(404, "invalid_request_error",
                    $"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.");
        }
    }

    /// <summary>Stripe answers "Received unknown parameter" for any name it does not know; the fake also for names it does not implement.</summary>
    private static void Allow(JsonObject p, params string[] names)
    {
        foreach (var (name, _) in p)
        {
            if (!names.Contains(name))
            {
                throw new StripeError(400, "invalid_request_error", $"Received unknown parameter: {name} (or one FakeStripe does not implement)", "parameter_unknown", name);
            }
        }
    }

    private static void AllowNested(JsonObject? p, string prefix, params string[] names)
    {
        if (p is null)
        {
            return;
        }
        foreach (var (name, _) in p)
        {
            if (!names.Contains(name))
            {
                throw new StripeError(400, "invalid_request_error", $"Received unknown parameter: {prefix}[{name}] (or one FakeStripe does not implement)",
                    "parameter_unknown", $"{prefix}[{name}]");
            }
        }
    }

    private static JsonObject Lookup(Account account, string id, string objectType, string displayType, string param = "id")
    {
        // Another account's objects are as invisible as ones that do not exist.
        if (account.Objects.TryGetValue(id, out var obj) && Str(obj, "object") == objectType)
        {
            return obj;
        }
        throw NoSuch(displayType, id, param);
    }

    private static List<string> Expansions(JsonObject p) => p["expand"] switch
    {
        null => [],
        JsonArray array => [.. array.Select(e => e!.GetValue<string>())],
        JsonValue single => [single.GetValue<string>()],
        _ => throw Invalid("expand", "Invalid array", "parameter_invalid_array"),
    };

    /// <summary>An integer property, whether it was stored as int or long or parsed from JSON.</summary>
    private static long Long(JsonNode? node) => node!.AsValue().TryGetValue<long>(out var value) ? value : node.GetValue<int>();

    private static string? Str(JsonObject obj, string name) => obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static long Integer(JsonObject p, string name, string param)
    {
        var text = Str(p, name) ?? throw Missing(param);
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value
            : throw Invalid(param, $"Invalid integer: {text}", "parameter_invalid_integer");
    }

    private static JsonObject Metadata(JsonNode? node, string param)
    {
        if (node is null)
        {
            return new JsonObject();
        }
        if (node is JsonValue blank && blank.TryGetValue<string>(out var text0) && text0.Length == 0)
        {
            return new JsonObject();
        }
        if (node is not JsonObject obj)
        {
            throw Invalid(param, "Invalid object", "parameter_invalid_object");
        }
        if (obj.Count > 50)
        {
            throw Invalid(param, "You can specify up to 50 keys in metadata.");
        }
        var result = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key.Length > 40)
            {
                throw Invalid($"{param}[{key}]", $"Metadata keys can have up to 40 characters. Key {key} has {key.Length}.");
            }
            var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw Invalid($"{param}[{key}]", "Metadata values must be strings.");
            if (text.Length > 500)
            {
                throw Invalid($"{param}[{key}]", $"Metadata values can have up to 500 characters, but you passed in a value that is {text.Length} characters.");
            }
            if (text.Length > 0)
            {
                result[key] = text;
            }
        }
        return result;
    }

    private JsonObject ListEvents(Account account, JsonObject p)
    {
        Allow(p, "limit", "starting_after", "ending_before", "type", "types", "created", "delivery_success", "expand");
        var limit = p["limit"] is null ? 10 : Integer(p, "limit", "limit");
        if (limit is < 1 or > 100)
        {
            throw Invalid("limit", "This value must be greater than or equal to 1 and less than or equal to 100.", "parameter_invalid_integer");
        }
        var type = Str(p, "type");
        var types = (p["types"] as JsonArray)?.Select(t => t!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        IEnumerable<FakeEvent> events = _events.Where(e => e.AccountId == account.Id).Reverse();
        if (type is not null)
        {
            var pattern = new Regex("^" + Regex.Escape(type).Replace("\\*", ".*", StringComparison.Ordinal) + "$");
            events = events.Where(e => pattern.IsMatch(e.Type));
        }
        if (types is not null)
        {
            events = events.Where(e => types.Contains(e.Type));
        }
        var list = events.ToList();
        if (Str(p, "starting_after") is { } after)
        {
            var index = list.FindIndex(e => e.Id == after);
            if (index < 0)
            {
                throw NoSuch("event", after, "starting_after");
            }
            list = list.Skip(index + 1).ToList();
        }
        if (Str(p, "ending_before") is { } before)
        {
            var index = list.FindIndex(e => e.Id == before);
            if (index < 0)
            {
                throw NoSuch("event", before, "ending_before");
            }
            list = list.Take(index).TakeLast((int)limit).ToList();
        }
        var page = list.Take((int)limit).ToList();
        var data = new JsonArray([.. page.Select(e => (JsonNode)Render(account, account.Objects[e.Id]))]);
        return new JsonObject { ["object"] = "list", ["data"] = data, ["has_more"] = list.Count > page.Count, ["url"] = "/v1/events" };
    }

    private JsonObject CreateWebhookEndpoint(Account account, string url, string[] enabledEvents, string? description, JsonObject? metadata = null)
    {
        var endpoint = new JsonObject
        {
            ["id"] = NewId("we_"),
            ["object"] = "webhook_endpoint",
            ["api_version"] = null,
            ["application"] = null,
            ["created"] = Now(),
            ["description"] = description,
            ["enabled_events"] = new JsonArray([.. enabledEvents.Select(e => (JsonNode)e)]),
            ["livemode"] = false,
            ["metadata"] = Metadata(metadata, "metadata"),
            ["secret"] = "whsec_" + RandomToken(32),
            ["status"] = "enabled",
            ["url"] = url,
        };
        account.WebhookEndpoints.Add(endpoint);
        account.Objects[Str(endpoint, "id")!] = endpoint;
        return (JsonObject)endpoint.DeepClone();
    }

    private static JsonObject WithoutSecret(JsonObject endpoint)
    {
        var copy = (JsonObject)endpoint.DeepClone();
        copy.Remove("secret");
        return copy;
    }

    private long Now() => _options.TimeProvider.GetUtcNow().ToUnixTimeSeconds();

    /// <summary>A copy of an object with the requested expansions (<c>payment_intent</c>, <c>payment_intent.latest_charge</c>, <c>line_items</c>, <c>data.x</c> on lists).</summary>
    private JsonObject Render(Account account, JsonObject obj, IReadOnlyList<string>? expand = null)
    {
        RefreshExpiry(account, obj);
        var copy = (JsonObject)obj.DeepClone();
        if (Str(copy, "object") == "webhook_endpoint")
        {
            copy.Remove("secret");
        }
        if (Str(copy, "object") == "checkout.session")
        {
            copy.Remove("line_items");
        }
        foreach (var path in expand ?? [])
        {
            Expand(account, obj, copy, path.Split('.'), path);
        }
        return copy;
    }

    private void Expand(Account account, JsonObject original, JsonObject target, string[] segments, string fullPath)
    {
        var name = segments[0];
        if (name == "line_items" && Str(target, "object") == "checkout.session")
        {
            target["line_items"] = original["line_items"]!.DeepClone();
            return;
        }
        if (!target.ContainsKey(name))
        {
            throw new StripeError(400, "invalid_request_error", $"This property cannot be expanded ({fullPath}).", "parameter_invalid_string", "expand");
        }
        switch (target[name])
        {
            case null:
                return;
            case JsonValue value when value.TryGetValue<string>(out var id) && account.Objects.TryGetValue(id, out var referenced):
                {
                    var expanded = Render(account, referenced);
                    if (segments.Length > 1)
                    {
                        Expand(account, referenced, expanded, segments[1..], fullPath);
                    }
                    target[name] = expanded;
                    return;
                }
            case JsonObject nested when segments.Length > 1:
                Expand(account, nested, nested, segments[1..], fullPath);
                return;
            default:
                throw new StripeError(400, "invalid_request_error", $"This property cannot be expanded ({fullPath}).", "parameter_invalid_string", "expand");
        }
    }
}
