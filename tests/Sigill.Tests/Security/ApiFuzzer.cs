using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sigill.Tests.Security;

#pragma warning disable CA5394, SCS0005 // a fuzzer's choices must repeat by seed; nothing secret is drawn

/// <summary>
/// Hostile requests made from the served OpenAPI document (schemathesis is not reachable here): for an operation, its
/// path, query and JSON body filled with wrong types, missing and extra properties, boundary and huge numbers, long
/// strings, control and bidirectional characters, malformed JSON and wrong content types, and another organization's
/// identifiers. Deterministic for a seed: the same seed makes the same requests.
/// </summary>
internal sealed class ApiFuzzer(JsonElement document, Random random, IReadOnlyList<string> foreignIds)
{
    public sealed record Operation(string Method, string Path, IReadOnlyList<Parameter> Parameters, JsonElement? Body)
    {
        public override string ToString() => $"{Method} {Path}";
    }

    public sealed record Parameter(string Name, string In, JsonElement Schema);

    private static readonly string[] HostileStrings =
    [
        "", " ", new string('A', 10_000), "\u0000", "a\u0007b", "left\u202Eright", "\u2066isolate", "zero\u200Bwidth", "line\nbreak\r\nInjected: yes",
        "../../../../etc/passwd", "%2e%2e%2f", "' OR '1'='1' --", "\"; DROP TABLE documents; --", "<script>alert(1)</script>", "{{ 7 * 7 }}",
        "${jndi:ldap://x}", "🙂🙂🙂", "\uD800", "null", "-1", "1e309", "doc_eu_00000000000000000000000000", "sgr_eu_" + new string('a', 52),
    ];

    private static readonly JsonNode?[] HostileNumbers =
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(int.MaxValue), JsonValue.Create(int.MinValue), JsonValue.Create(long.MaxValue),
        JsonValue.Create(1e308), JsonValue.Create(-1e308), JsonValue.Create(0.000001), JsonValue.Create(decimal.MaxValue), JsonValue.Create("NaN"),
        JsonValue.Create("12"), JsonValue.Create(true), null,
    ];

    /// <summary>Every operation of the document, in document order.</summary>
    public IReadOnlyList<Operation> Operations { get; } = [.. document.GetProperty("paths").EnumerateObject()
        .SelectMany(path => path.Value.EnumerateObject().Select(op => new Operation(op.Name.ToUpperInvariant(), path.Name,
            op.Value.TryGetProperty("parameters", out var ps)
                ? [.. ps.EnumerateArray().Select(p => new Parameter(p.GetProperty("name").GetString()!, p.GetProperty("in").GetString()!,
                    p.TryGetProperty("schema", out var s) ? s : default))]
                : [],
            op.Value.TryGetProperty("requestBody", out var body) && body.GetProperty("content").TryGetProperty("application/json", out var json)
                ? json.GetProperty("schema") : null)))];

    /// <summary>One hostile request for <paramref name="op"/>.</summary>
    public HttpRequestMessage Request(Operation op)
    {
        var path = op.Path;
        foreach (var p in op.Parameters.Where(p => p.In == "path"))
        {
            path = path.Replace("{" + p.Name + "}", Uri.EscapeDataString(PathValue()), StringComparison.Ordinal);
        }
        var query = op.Parameters.Where(p => p.In == "query" && random.Next(3) > 0)
            .Select(p => $"{Uri.EscapeDataString(p.Name)}={Uri.EscapeDataString(Text(Scalar(p.Schema)))}").ToList();
        if (random.Next(8) == 0) query.Add("unexpected=" + Uri.EscapeDataString(Pick(HostileStrings)));
        var request = new HttpRequestMessage(new HttpMethod(op.Method), path + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        if (op.Body is not null || random.Next(6) == 0)
        {
            request.Content = Body(op.Body);
        }
        return request;
    }

    private string PathValue() => random.Next(4) switch
    {
        0 when foreignIds.Count > 0 => Pick(foreignIds),
        1 => Pick(["us", "eu", "US", "ap", "x"]),
        2 => new string('z', random.Next(1, 3000)),
        _ => Pick(HostileStrings) is { Length: > 0 } s ? s : "empty",
    };

    private HttpContent Body(JsonElement? schema)
    {
        switch (random.Next(10))
        {
            case 0: return Raw("{\"unterminated\": ", "application/json");
            case 1: return Raw(Pick(HostileStrings), "text/plain");
            case 2: return Raw("<x>&xxe;</x>", "application/xml");
            case 3: return Raw(Deep(200), "application/json");
            case 4: return Raw("[" + string.Join(',', Enumerable.Repeat("1", 5000)) + "]", "application/json");
            case 5: return Raw("", "application/json");
        }
        var body = schema is { } s ? Value(Resolve(s), depth: 0) : new JsonObject();
        if (body is JsonObject obj)
        {
            if (obj.Count > 0 && random.Next(2) == 0) obj.Remove(Pick([.. obj.Select(p => p.Key)])); // a missing property
            if (random.Next(3) == 0) obj["unexpected" + random.Next(100)] = Pick(HostileStrings); // an extra one
            if (obj.Count > 0 && random.Next(2) == 0) obj[Pick([.. obj.Select(p => p.Key)])] = WrongType(); // a wrong type
        }
        return Raw(body?.ToJsonString() ?? "null", "application/json");
    }

    private JsonNode? Value(JsonElement schema, int depth)
    {
        if (depth > 4) return null;
        schema = Resolve(schema);
        var type = TypeOf(schema);
        switch (type)
        {
            case "object":
                var obj = new JsonObject();
                if (schema.TryGetProperty("properties", out var props))
                {
                    foreach (var p in props.EnumerateObject()) obj[p.Name] = Value(p.Value, depth + 1);
                }
                return obj;
            case "array":
                var items = schema.TryGetProperty("items", out var i) ? i : default;
                var array = new JsonArray();
                for (var n = random.Next(0, 3) == 0 ? 300 : random.Next(0, 3); n > 0; n--) array.Add(items.ValueKind == JsonValueKind.Undefined ? null : Value(items, depth + 1));
                return array;
            case "integer" or "number":
                return Pick(HostileNumbers)?.DeepClone();
            case "boolean":
                return random.Next(3) == 0 ? JsonValue.Create("true") : JsonValue.Create(random.Next(2) == 0);
            default:
                return random.Next(8) == 0 ? null : JsonValue.Create(Pick(random.Next(3) == 0 && foreignIds.Count > 0 ? foreignIds : HostileStrings));
        }
    }

    private JsonNode? WrongType() => random.Next(5) switch
    {
        0 => new JsonArray(1, 2, 3),
        1 => new JsonObject { ["nested"] = new JsonObject() },
        2 => JsonValue.Create(12345),
        3 => JsonValue.Create(false),
        _ => JsonValue.Create(Pick(HostileStrings)),
    };

    private JsonNode? Scalar(JsonElement schema) =>
        schema.ValueKind == JsonValueKind.Undefined ? JsonValue.Create(Pick(HostileStrings)) : Value(schema, depth: 3);

    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => node.ToJsonString(),
    };

    private JsonElement Resolve(JsonElement schema)
    {
        for (var hops = 0; hops < 8 && schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference); hops++)
        {
            schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }
        return schema;
    }

    private static string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)) return "string";
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t != "null") ?? "string"
            : type.GetString() ?? "string";
    }

    private static string Deep(int depth) => new string('[', depth) + new string(']', depth);

    private static StringContent Raw(string text, string mediaType)
    {
        var content = new StringContent(text, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType) { CharSet = "utf-8" };
        return content;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    public static int SeedFrom(string? text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : 20261204;
}
